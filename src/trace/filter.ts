/**
 * Which records `trace show` and `trace merge` print: by node, event type
 * (a glob such as `raft.*`), seq range and key. A key matches any event that
 * carries it: a client request, a query, and log entries (in appends,
 * persists and applies) whose decoded command touches it.
 */
import { decodeCommand } from '../kv/codec.js';
import { ENTRY_COMMAND } from '../raft/types.js';
import type { TraceRecord } from './format.js';

export interface TraceFilter {
  readonly node?: string;
  /** Event type, `*` matching any run of characters: `raft.*`, `net.recv`, `*persist*`. */
  readonly type?: string;
  readonly from?: number;
  readonly to?: number;
  readonly key?: string;
}

export function typeMatcher(glob: string): (type: string) => boolean {
  const pattern = new RegExp(`^${glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return (type) => pattern.test(type);
}

export function recordFilter(filter: TraceFilter): (record: TraceRecord) => boolean {
  const typeOk = filter.type === undefined ? () => true : typeMatcher(filter.type);
  const key = filter.key === undefined ? null : Buffer.from(filter.key);
  return (r) =>
    (filter.node === undefined || r.node === filter.node) &&
    (filter.from === undefined || r.seq >= filter.from) &&
    (filter.to === undefined || r.seq <= filter.to) &&
    typeOk(r.event.type) &&
    (key === null || mentionsKey(r.event, key));
}

/** True when value holds key as a byte field, directly or inside an encoded log entry. */
export function mentionsKey(value: unknown, key: Buffer): boolean {
  if (value instanceof Uint8Array) return key.equals(value);
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((item) => mentionsKey(item, key));
  // Log entries and proposals carry the command encoded: look inside.
  const entry = value as { type?: unknown; data?: unknown; index?: unknown; id?: unknown };
  const isEntry = entry.type === ENTRY_COMMAND && typeof entry.index === 'number';
  const isProposal = entry.type === undefined && typeof entry.id === 'number';
  if (entry.data instanceof Uint8Array && (isEntry || isProposal)) return entryMentions(entry.data, key);
  return Object.values(value).some((field) => mentionsKey(field, key));
}

function entryMentions(data: Uint8Array, key: Buffer): boolean {
  try {
    return mentionsKey(decodeCommand(data), key);
  } catch {
    return false; // not a command this version can decode: it mentions no key we can see
  }
}
