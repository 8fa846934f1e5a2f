/**
 * The Redis settings a node answers CONFIG GET for (client tools probe
 * them), and the one it lets CONFIG SET change: notify-keyspace-events.
 * raftkv writes every change to its Raft log before acknowledging it, which
 * is what `appendonly yes` / `appendfsync always` describe; it takes no RDB
 * snapshots (`save` empty).
 */
import { compileGlob } from '../protocol/glob.js';
import { bulkText, errorReply, OK, textMap, type Reply } from '../protocol/reply.js';

export class NodeSettings {
  private readonly values = new Map<string, string>([
    ['save', ''],
    ['appendonly', 'yes'],
    ['appendfsync', 'always'],
    ['databases', '1'],
    ['cluster-enabled', 'yes'],
    ['notify-keyspace-events', ''],
  ]);

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  entries(): IterableIterator<[string, string]> {
    return this.values.entries();
  }

  /** Settings a client may change, each with its validator (an error message, or null). */
  readonly settable = new Map<string, (value: string) => string | null>([['notify-keyspace-events', notifyFlagsError]]);

  set(name: string, value: string): void {
    this.values.set(name, value);
  }
}

/** CONFIG GET pattern ...: every setting matching any pattern, once. */
export function configGet(settings: NodeSettings, patterns: readonly Buffer[]): Reply {
  const matchers = patterns.map((p) => compileGlob(Buffer.from(p.toString('latin1').toLowerCase(), 'latin1')));
  const found: Array<[string, Reply]> = [];
  for (const [name, value] of settings.entries()) {
    if (matchers.some((m) => m(Buffer.from(name)))) found.push([name, bulkText(value)]);
  }
  return textMap(found);
}

/** CONFIG SET name value [name value ...]: all or nothing, as Redis 7. */
export function configSet(settings: NodeSettings, args: readonly Buffer[]): Reply {
  const changes: Array<[string, string]> = [];
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i]!.toString('latin1').toLowerCase();
    const value = args[i + 1]!.toString('latin1');
    const validate = settings.settable.get(name);
    if (!validate) return errorReply(`ERR Unknown option or number of arguments for CONFIG SET - '${name}'`);
    const error = validate(value);
    if (error) return errorReply(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${error}`);
    changes.push([name, value]);
  }
  for (const [name, value] of changes) settings.set(name, normalize(name, value));
  return OK;
}

const NOTIFY_FLAGS = /^[KEg$lshzxetmdnA]*$/;

function notifyFlagsError(value: string): string | null {
  return NOTIFY_FLAGS.test(value) ? null : 'Invalid event class character. Use \'Ag$lshzxeKEtmdn\'.';
}

function normalize(name: string, value: string): string {
  if (name !== 'notify-keyspace-events') return value;
  return [...new Set(value)].join('');
}
