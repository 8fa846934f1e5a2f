/**
 * Shape checks for messages that arrive from the network. A decoded value is
 * untrusted: each field the Raft core reads is checked for its type before the
 * value is allowed to be called a Message. Returns what is wrong, or null.
 */
import { isIPv6 } from 'node:net';
import { ENTRY_COMMAND, ENTRY_CONFIG, ENTRY_NOOP, type MessageType } from '../raft/types.js';
import { clip } from './stats.js';

type Fields = Record<string, unknown>;
type Check = (value: unknown) => boolean;

const isCount: Check = (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isBool: Check = (v) => typeof v === 'boolean';

/** The fields each message type carries beyond from, to and term (entries checked apart). */
const FIELDS: Readonly<Record<MessageType, Readonly<Record<string, Check>>>> = {
  RequestVote: { lastLogIndex: isCount, lastLogTerm: isCount, leaderTransfer: isBool },
  RequestVoteResponse: { granted: isBool },
  PreVote: { lastLogIndex: isCount, lastLogTerm: isCount },
  PreVoteResponse: { granted: isBool },
  TimeoutNow: {},
  AppendEntries: { prevLogIndex: isCount, prevLogTerm: isCount, leaderCommit: isCount },
  AppendEntriesResponse: {
    success: isBool,
    matchIndex: isCount,
    conflictIndex: isCount,
    conflictTerm: isCount,
    rejectedIndex: isCount,
  },
  Heartbeat: { commit: isCount, readRound: isCount },
  HeartbeatResponse: { readRound: isCount },
  InstallSnapshot: { transfer: isCount, seq: isCount, done: isBool, data: (v) => v instanceof Uint8Array, snapshot: isSnapshotMeta },
  InstallSnapshotResponse: { transfer: isCount, next: (v) => v === -1 || isCount(v), installed: isCount },
};

function isSnapshotMeta(value: unknown): boolean {
  if (!isRecord(value) || !isCount(value['index']) || !isCount(value['term'])) return false;
  const voters = value['voters'];
  return Array.isArray(voters) && voters.length > 0 && voters.every((v) => typeof v === 'string');
}

/** FIELDS as arrays, built once: this runs for every message received. */
const FIELD_LISTS = new Map<string, ReadonlyArray<readonly [string, Check]>>(
  Object.entries(FIELDS).map(([type, fields]) => [type, Object.entries(fields)]),
);

export function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

export function messageProblem(value: unknown): string | null {
  if (!isRecord(value)) return 'message is not a map';
  const type = value['type'];
  const fields = typeof type === 'string' ? FIELD_LISTS.get(type) : undefined;
  if (fields === undefined) return `unknown message type ${clip(type)}`;
  if (typeof value['from'] !== 'string') return 'message.from is not a string';
  if (typeof value['to'] !== 'string') return 'message.to is not a string';
  if (!isCount(value['term'])) return 'message.term is not a non-negative integer';
  for (const [name, check] of fields) {
    if (!check(value[name])) return `${type}.${name} has the wrong type`;
  }
  return type === 'AppendEntries' ? entriesProblem(value['entries']) : null;
}

function entriesProblem(entries: unknown): string | null {
  if (!Array.isArray(entries)) return 'AppendEntries.entries is not an array';
  for (let i = 0; i < entries.length; i++) {
    const problem = entryProblem(entries[i]);
    if (problem !== null) return `entries[${i}]: ${problem}`;
  }
  return null;
}

function entryProblem(entry: unknown): string | null {
  if (!isRecord(entry)) return 'not a map';
  if (!isCount(entry['index'])) return 'index is not a non-negative integer';
  if (!isCount(entry['term'])) return 'term is not a non-negative integer';
  if (entry['type'] !== ENTRY_NOOP && entry['type'] !== ENTRY_COMMAND && entry['type'] !== ENTRY_CONFIG) return 'unknown entry type';
  if (!(entry['data'] instanceof Uint8Array)) return 'data is not bytes';
  return null;
}

/** `[` + an IPv6 literal (45) + `]:65535`, or a 253-character host name + `:65535`. */
export const LISTEN_CHARS_MAX = 259;

/**
 * Whether text is `host:port` as config/address.ts parses it (a host name or
 * IPv4 literal, or a bracketed IPv6 literal; a port 1-65535). A character
 * scan, so the check every envelope gets allocates nothing for host names.
 */
export function isHostPort(text: string): boolean {
  const colon = text.lastIndexOf(':');
  const portLength = text.length - colon - 1;
  if (colon < 1 || portLength < 1 || portLength > 5) return false;
  let port = 0;
  for (let i = colon + 1; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return false;
    port = port * 10 + digit;
  }
  if (port < 1 || port > 65_535) return false;
  if (text.charCodeAt(0) === 91 /* [ */) return text.charCodeAt(colon - 1) === 93 /* ] */ && isIPv6(text.slice(1, colon - 1));
  return isHostName(text, colon);
}

/** text[0, end) matches /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/ and is at most 253 characters. */
function isHostName(text: string, end: number): boolean {
  if (end > 253 || !isAlnum(text.charCodeAt(0)) || !isAlnum(text.charCodeAt(end - 1))) return false;
  for (let i = 1; i < end - 1; i++) {
    const c = text.charCodeAt(i);
    if (!isAlnum(c) && c !== 46 /* . */ && c !== 45 /* - */) return false;
  }
  return true;
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
