/**
 * COMMAND, COMMAND COUNT / INFO / DOCS / LIST, from the command table: what
 * cluster clients (redis-py) read to learn each command's key positions,
 * and what redis-cli reads for its hints.
 */
import { lower, unknownSubcommand, wrongArity } from './args.js';
import { COMMAND_TABLE, type CommandSpec } from './command-table.js';
import { bulkText, errorReply, intReply, listReply, textMap, type Reply } from './reply.js';

export function commandReply(args: readonly Buffer[]): Reply {
  if (args.length === 0) return listReply([...COMMAND_TABLE.values()].map(info));
  const sub = lower(args[0]!);
  const names = args.slice(1).map(lower);
  switch (sub) {
    case 'count':
      return args.length === 1 ? intReply(COMMAND_TABLE.size) : errorReply(wrongArity('command|count'));
    case 'list':
      return listReply([...COMMAND_TABLE.keys()].map(bulkText));
    case 'info': {
      const specs = names.length === 0 ? [...COMMAND_TABLE.values()] : names.map((n) => COMMAND_TABLE.get(n));
      return listReply(specs.map((spec) => (spec ? info(spec) : { type: 'list', items: null })));
    }
    case 'docs': {
      const specs = names.length === 0 ? [...COMMAND_TABLE.values()] : names.flatMap((n) => COMMAND_TABLE.get(n) ?? []);
      return { type: 'map', entries: specs.map((spec) => [bulkText(spec.name), docs(spec)] as const) };
    }
    default:
      return errorReply(unknownSubcommand(args[0]!, 'COMMAND'));
  }
}

/** Redis 7's ten-field command info. */
function info(spec: CommandSpec): Reply {
  const [first, last, step] = spec.keys;
  return listReply([
    bulkText(spec.name),
    intReply(spec.arity),
    { type: 'list', items: spec.flags.map((flag) => ({ type: 'simple', value: flag })) },
    intReply(first),
    intReply(last),
    intReply(step),
    listReply([bulkText(`@${spec.group}`)]),
    listReply([]),
    listReply([]),
    listReply([]),
  ]);
}

function docs(spec: CommandSpec): Reply {
  return textMap([
    ['summary', bulkText(spec.summary)],
    ['since', bulkText(spec.since)],
    ['group', bulkText(spec.group)],
  ]);
}
