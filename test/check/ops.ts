/** Terse builders for hand-made histories: op(kind, client, call, return, fields). */
import type { Operation } from '../../src/check/history.js';

let nextId = 1;

type Fields = Partial<Pick<Operation, 'value' | 'expected' | 'output' | 'swapped' | 'status' | 'key'>>;

function make(kind: Operation['kind'], client: number, call: number, ret: number | null, fields: Fields): Operation {
  const status = fields.status ?? 'ok';
  return { id: nextId++, client, key: 'x', kind, call, return: status === 'unknown' ? null : ret, status, ...fields };
}

export const write = (client: number, call: number, ret: number | null, value: string, fields: Fields = {}): Operation =>
  make('write', client, call, ret, { value, ...fields });
export const read = (client: number, call: number, ret: number | null, output: string | null, fields: Fields = {}): Operation =>
  make('read', client, call, ret, { output, ...fields });
export const del = (client: number, call: number, ret: number | null, fields: Fields = {}): Operation =>
  make('delete', client, call, ret, fields);
export const cas = (client: number, call: number, ret: number | null, expected: string, value: string, swapped: boolean | undefined, fields: Fields = {}): Operation =>
  make('cas', client, call, ret, { expected, value, ...(swapped === undefined ? {} : { swapped }), ...fields });
