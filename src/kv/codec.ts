/**
 * How a KvCommand travels inside a log entry: a msgpack array
 * [op, ...operands] with operands as raw bytes. Decoding validates the shape,
 * so a damaged entry is reported as such instead of misapplied.
 */
import { Packr } from 'msgpackr';
import type { KvCommand } from './commands.js';

const packr = new Packr({ useRecords: false, moreTypes: false });

const OP_SET = 1;
const OP_DEL = 2;
const OP_CAS = 3;

export class CommandDecodeError extends Error {
  override readonly name = 'CommandDecodeError';
  readonly code = 'COMMAND_CORRUPT';
}

export function encodeCommand(command: KvCommand): Uint8Array {
  switch (command.op) {
    case 'set':
      return packr.pack([OP_SET, command.key, command.value]);
    case 'del':
      return packr.pack([OP_DEL, ...command.keys]);
    case 'cas':
      return packr.pack([OP_CAS, command.key, command.expected, command.value]);
  }
}

function bytes(value: unknown, what: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new CommandDecodeError(`command ${what} is not bytes`);
}

export function decodeCommand(data: Uint8Array): KvCommand {
  let decoded: unknown;
  try {
    decoded = packr.unpack(data);
  } catch (err) {
    throw new CommandDecodeError(`undecodable command (${(err as Error).message})`);
  }
  if (!Array.isArray(decoded) || decoded.length < 2) throw new CommandDecodeError('command is not an array');
  const [op, ...operands] = decoded as unknown[];
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
