/**
 * How a KvCommand travels inside a log entry: a msgpack array
 * [op, ...operands] with operands as raw bytes. Plain SET, DEL and CAS
 * without a time use compact forms; every other command is
 * [OBJECT, now, {op, ...fields}], `now` being the leader's clock in ms when
 * it took the request (what TTLs and expiry checks use on every replica). A
 * write made in a session is
 * wrapped as [SESSION, id, seq, lowestPending, op, ...operands] (0 when no
 * acknowledgement was given). Decoding validates the
 * shape, so a damaged entry is reported as such instead of misapplied.
 */
import { Packr } from 'msgpackr';
import { isWriteCommand } from './command-shape.js';
import type { KvCommand, KvWriteCommand, SessionTag } from './commands.js';
import { packFlat } from '../util/msgpack-flat.js';

const packr = new Packr({ useRecords: false, moreTypes: false });

const OP_SET = 1;
const OP_DEL = 2;
const OP_CAS = 3;
const OP_SESSION_OPEN = 4;
const OP_IN_SESSION = 5;
const OP_OBJECT = 6;

export class CommandDecodeError extends Error {
  override readonly name = 'CommandDecodeError';
  readonly code = 'COMMAND_CORRUPT';
}

/** Timed commands carry `now`; decoded commands in the object form get it back. */
type TimedWrite = KvWriteCommand & { readonly now?: number };

function writeFields(command: TimedWrite, now: number | undefined): unknown[] {
  // A plain SET overwrites whatever is there, so it needs no time: the compact form, always.
  if (command.op === 'set' && !command.cond && !command.get && !command.expire && !command.keepTtl && !command.reply) {
    return [OP_SET, command.key, command.value];
  }
  if (now === undefined) {
    if (command.op === 'del') return [OP_DEL, ...command.keys];
    if (command.op === 'cas') return [OP_CAS, command.key, command.expected, command.value];
  }
  const { now: _, ...plain } = command as TimedWrite & { session?: unknown };
  delete (plain as { session?: unknown }).session;
  return [OP_OBJECT, now ?? 0, plain];
}

/**
 * `now`: the time the entry carries (the leader's clock when it took the
 * request), over any the command carries; passed apart so the
 * edge's commands are not copied on every write only to add it.
 */
export function encodeCommand(command: KvCommand, now?: number): Uint8Array {
  if (command.op === 'session-open') return packr.pack([OP_SESSION_OPEN]);
  const fields = writeFields(command, now ?? (command as TimedWrite).now);
  // Plain SET (alone or in a session) is all small integers and bytes: the hand-written encoder, same bytes.
  const flat = fields[0] === OP_SET;
  if (!command.session) return (flat ? packFlat(fields as [number, Uint8Array, Uint8Array]) : null) ?? packr.pack(fields);
  const { id, seq, lowestPending } = command.session;
  const wrapped = [OP_IN_SESSION, id, seq, lowestPending ?? 0, ...fields];
  return (flat ? packFlat(wrapped as Array<number | Uint8Array>) : null) ?? packr.pack(wrapped);
}

function bytes(value: unknown, what: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new CommandDecodeError(`command ${what} is not bytes`);
}

function decodeWrite(op: unknown, operands: unknown[]): TimedWrite {
  if (op === OP_OBJECT && operands.length === 2) {
    const [now, command] = operands;
    if (!Number.isSafeInteger(now) || (now as number) < 0) throw new CommandDecodeError(`command time ${String(now)} is not a non-negative integer`);
    if (!isWriteCommand(command)) throw new CommandDecodeError(`command object has an unknown shape (op ${String((command as { op?: unknown } | null)?.op)})`);
    return { ...command, now: now as number };
  }
  if (op === OP_SET && operands.length === 2) {
    return { op: 'set', key: bytes(operands[0], 'key'), value: bytes(operands[1], 'value') };
  }
  if (op === OP_DEL && operands.length >= 1) {
    return { op: 'del', keys: operands.map((key) => bytes(key, 'key')) };
  }
  if (op === OP_CAS && operands.length === 3) {
    return {
      op: 'cas',
      key: bytes(operands[0], 'key'),
      expected: bytes(operands[1], 'expected value'),
      value: bytes(operands[2], 'value'),
    };
  }
  throw new CommandDecodeError(`unknown command op ${String(op)} with ${operands.length} operands`);
}

function sessionTag(id: unknown, seq: unknown, lowestPending: unknown): SessionTag {
  const positive = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 1;
  if (!positive(id) || !positive(seq) || !(lowestPending === 0 || positive(lowestPending))) {
    throw new CommandDecodeError(`bad session tag ${String(id)}/${String(seq)}/${String(lowestPending)}`);
  }
  return lowestPending === 0 ? { id, seq } : { id, seq, lowestPending };
}

export function decodeCommand(data: Uint8Array): KvCommand {
  let decoded: unknown;
  try {
    decoded = packr.unpack(data);
  } catch (err) {
    throw new CommandDecodeError(`undecodable command (${(err as Error).message})`);
  }
  if (!Array.isArray(decoded) || decoded.length < 1) throw new CommandDecodeError('command is not an array');
  const [op, ...operands] = decoded as unknown[];
  if (op === OP_SESSION_OPEN && operands.length === 0) return { op: 'session-open' };
  if (op === OP_IN_SESSION && operands.length >= 4) {
    const [id, seq, lowestPending, innerOp, ...inner] = operands;
    return { ...decodeWrite(innerOp, inner), session: sessionTag(id, seq, lowestPending) };
  }
  return decodeWrite(op, operands);
}
