import type { ParsedItem, ParserLimits } from '../../src/protocol/parser.js';
import { RequestParser } from '../../src/protocol/parser.js';

export const LIMITS: ParserLimits = {
  lineBytesMax: 64,
  argsMax: 8,
  keyBytesMax: 16,
  valueBytesMax: 100,
};

/** An item with args shown as latin1 strings, easy to compare. */
export type Shown =
  | { type: 'request'; args: string[] }
  | { type: 'error'; message: string; fatal: boolean };

export function show(item: ParsedItem): Shown {
  return item.type === 'request'
    ? { type: 'request', args: item.args.map((a) => a.toString('latin1')) }
    : item;
}

/** Pulls every item currently available. */
export function drain(parser: RequestParser): Shown[] {
  const out: Shown[] = [];
  for (let item = parser.next(); item !== null; item = parser.next()) out.push(show(item));
  return out;
}

/** Feeds the chunks one by one, draining after each, as the server does. */
export function parseChunks(chunks: readonly (string | Buffer)[], limits = LIMITS): Shown[] {
  const parser = new RequestParser(limits);
  const out: Shown[] = [];
  for (const chunk of chunks) {
    parser.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
    out.push(...drain(parser));
  }
  return out;
}

export function req(...args: string[]): Shown {
  return { type: 'request', args };
}

/** A RESP array of bulk strings, as client libraries send it. */
export function resp(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join('')}`;
}
