/**
 * The user command language shared by `raftkv cli <command>` and the REPL:
 * each command checks its arity, calls RaftkvClient, and returns lines to print.
 */
import type { RaftkvClient } from '../client/client.js';
import { collectStatus } from '../client/status.js';
import type { ConnectionSecurity } from '../client/connection.js';
import { UsageError } from './io.js';
import { statusTable } from './status-view.js';

export interface CommandContext {
  readonly client: RaftkvClient;
  readonly cluster: readonly string[];
  /** Credentials and TLS, for the commands that open their own connections (status). */
  readonly security?: ConnectionSecurity;
}

interface CommandSpec {
  readonly usage: string;
  readonly help: string;
  readonly args: readonly [min: number, max: number];
  run(ctx: CommandContext, args: string[]): Promise<string[]>;
}

const value = (v: Buffer | null): string[] => [v === null ? '(nil)' : v.toString('utf8')];
const integer = (n: number): string[] => [`(integer) ${n}`];
const keyList = (keys: Buffer[]): string[] => (keys.length === 0 ? ['(empty)'] : keys.map((k) => k.toString('utf8')));

const SET: CommandSpec = {
  usage: 'set <key> <value>',
  help: 'store a value (alias: put)',
  args: [2, 2],
  run: async ({ client }, [k = '', v = '']) => (await client.set(k, v), ['OK']),
};
const DEL: CommandSpec = {
  usage: 'del <key> [key ...]',
  help: 'delete keys; prints how many existed (alias: delete)',
  args: [1, Infinity],
  run: async ({ client }, keys) => integer(await client.del(...keys)),
};

const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  set: SET,
  put: SET,
  get: { usage: 'get <key>', help: 'print a value, or (nil)', args: [1, 1], run: async ({ client }, [k = '']) => value(await client.get(k)) },
  del: DEL,
  delete: DEL,
  list: { usage: 'list [prefix]', help: 'keys starting with prefix (all keys without one)', args: [0, 1], run: async ({ client }, [p = '']) => keyList(await client.list(p)) },
  keys: { usage: 'keys <pattern>', help: 'keys matching a glob such as user:*', args: [1, 1], run: async ({ client }, [p = '']) => keyList(await client.keys(p)) },
  cas: {
    usage: 'cas <key> <expected> <new>',
    help: 'set key to new only if it holds expected',
    args: [3, 3],
    run: async ({ client }, [k = '', e = '', n = '']) => [(await client.cas(k, e, n)) ? 'OK (swapped)' : 'not swapped: the current value differs'],
  },
  exists: { usage: 'exists <key> [key ...]', help: 'how many of the keys exist', args: [1, Infinity], run: async ({ client }, keys) => integer(await client.exists(...keys)) },
  ping: { usage: 'ping', help: 'check the connection', args: [0, 0], run: async ({ client }) => [await client.ping()] },
  status: { usage: 'status', help: 'role, term and indexes of every node', args: [0, 0], run: async ({ cluster, security }) => [statusTable(await collectStatus(cluster, undefined, security))] },
  help: { usage: 'help', help: 'this list', args: [0, 0], run: async () => helpLines() },
};

export function helpLines(): string[] {
  const seen = new Set<CommandSpec>();
  const lines: string[] = [];
  for (const spec of Object.values(COMMANDS)) {
    if (seen.has(spec)) continue;
    seen.add(spec);
    lines.push(`  ${spec.usage.padEnd(28)} ${spec.help}`);
  }
  return ['commands:', ...lines, `  ${'quit'.padEnd(28)} leave (alias: exit; REPL only)`];
}

/** Runs one command; user mistakes throw UsageError, cluster failures ClientError. */
export async function runUserCommand(ctx: CommandContext, words: readonly string[]): Promise<string[]> {
  const [name = '', ...args] = words;
  const spec = COMMANDS[name.toLowerCase()];
  if (spec === undefined) throw new UsageError(`unknown command ${JSON.stringify(name)}; try help`);
  const [min, max] = spec.args;
  if (args.length < min || args.length > max) throw new UsageError(`usage: ${spec.usage}`);
  return spec.run(ctx, args);
}
