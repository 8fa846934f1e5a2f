/**
 * The `limits` section: every bound the node enforces, each optional in the
 * file (DEFAULT_LIMITS fills the gaps), each a positive integer, plus the
 * relations without which some legal request could never be served.
 */
import { checkBounds, checkIntegers, type BoundRule } from './bounds.js';
import { checkKnownKeys, describe, isObject, type Issues } from './fields.js';
import { DEFAULT_LIMITS, type LimitsConfig } from './types.js';
import { TERM_MAX } from '../raft/message-checks.js';
import { requestBytesMax } from '../protocol/parser.js';

type LimitField = keyof LimitsConfig;

export const LIMIT_FIELDS = Object.keys(DEFAULT_LIMITS) as LimitField[];

/** Room in a peer frame for everything but entry payloads: headers, terms, indexes, encoding. */
export const FRAME_OVERHEAD_BYTES = 64 * 1024;
/** Room in a client reply for the RESP framing around a value (`$1048576\r\n` ... `\r\n`). */
export const REPLY_OVERHEAD_BYTES = 64;
/** The shortest line that still holds a useful command and an error reply about it. */
export const LINE_BYTES_MIN = 64;
/** `CAS key old new` is the longest fixed-arity command. */
export const ARGS_MIN = 4;

export const LIMIT_RULES: readonly BoundRule<LimitField>[] = [
  { field: 'termJumpMax', op: '<=', uses: [], bound: () => TERM_MAX, why: "TERM_MAX, the highest term a node accepts" },
  { field: 'lineBytesMax', op: '>=', uses: [], bound: () => LINE_BYTES_MIN },
  { field: 'argsMax', op: '>=', uses: [], bound: () => ARGS_MIN, why: 'CAS key old new takes 4' },
  { field: 'keyBytesMax', op: '<=', uses: ['valueBytesMax'], bound: (l) => l.valueBytesMax, label: 'valueBytesMax' },
  {
    field: 'frameBytesMax',
    op: '>=',
    uses: ['appendBytesMax'],
    bound: (l) => l.appendBytesMax + FRAME_OVERHEAD_BYTES,
    label: 'appendBytesMax + 64 KiB',
  },
  {
    // A single entry larger than appendBytesMax is still sent alone, so the largest one must fit a frame.
    field: 'frameBytesMax',
    op: '>=',
    uses: ['keyBytesMax', 'valueBytesMax'],
    bound: (l) => l.keyBytesMax + l.valueBytesMax + FRAME_OVERHEAD_BYTES,
    label: 'keyBytesMax + valueBytesMax + 64 KiB',
  },
  {
    field: 'frameBytesMax',
    op: '>=',
    uses: ['snapshotChunkBytes'],
    bound: (l) => l.snapshotChunkBytes + FRAME_OVERHEAD_BYTES,
    label: 'snapshotChunkBytes + 64 KiB',
  },
  {
    // Otherwise the largest request the parser accepts could never be admitted.
    field: 'pendingWriteBytesMax',
    op: '>=',
    uses: ['keyBytesMax', 'valueBytesMax', 'argsMax'],
    bound: (l) => requestBytesMax(l),
    label: 'the largest request (keyBytesMax + 2 x valueBytesMax, or argsMax x keyBytesMax, plus margins)',
  },
  {
    // Otherwise a GET of the largest value would disconnect the client that asked.
    field: 'clientOutputBytesMax',
    op: '>=',
    uses: ['valueBytesMax'],
    bound: (l) => l.valueBytesMax + REPLY_OVERHEAD_BYTES,
    label: 'valueBytesMax + 64',
  },
  {
    // Otherwise one client could never fill its own allowance.
    field: 'clientOutputTotalBytesMax',
    op: '>=',
    uses: ['clientOutputBytesMax'],
    bound: (l) => l.clientOutputBytesMax,
    label: 'clientOutputBytesMax',
  },
];

/** Resolves and checks a `limits` value; undefined when it has errors (recorded in issues). */
export function resolveLimits(raw: unknown, path: string, issues: Issues): LimitsConfig | undefined {
  const errorsBefore = issues.errors.length;
  if (raw !== undefined && !isObject(raw)) {
    issues.error(path, `must be an object, got ${describe(raw)}`);
    return undefined;
  }
  const given = raw ?? {};
  checkKnownKeys(given, LIMIT_FIELDS, path, issues);
  const merged: Record<LimitField, unknown> = { ...DEFAULT_LIMITS };
  for (const field of LIMIT_FIELDS) if (given[field] !== undefined) merged[field] = given[field];
  const valid = checkIntegers(merged, LIMIT_FIELDS, { min: 1, max: Number.MAX_SAFE_INTEGER }, path, issues);
  checkBounds(merged, valid, LIMIT_RULES, path, issues);
  return issues.errors.length > errorsBefore ? undefined : (merged as unknown as LimitsConfig);
}
