/**
 * Properties of the request parser over generated streams: where the socket
 * splits the stream never changes what is parsed, and no input (valid or junk)
 * makes it throw or hold more than its bound.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ParserLimits } from '../../src/protocol/parser.js';
import { RequestParser, bulkBytesMax, requestBytesMax } from '../../src/protocol/parser.js';
import type { Shown } from './helpers.js';
import { drain, parseChunks, req } from './helpers.js';

const LIMITS: ParserLimits = { lineBytesMax: 256, argsMax: 16, keyBytesMax: 32, valueBytesMax: 64 };

const bytes = fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a));
// Not starting with '*': a line that starts with '*' is a RESP header, by design (as in Redis).
const plainWord = fc
  .stringMatching(/^[A-Za-z0-9:_.-][A-Za-z0-9:_.*-]{0,9}$/)
  .map((s) => Buffer.from(s));

/** An inline word that decodes to `arg`: plain, or double-quoted with escapes. */
const inlineArg = fc.oneof(
  plainWord.map((arg) => ({ arg, text: arg.toString('latin1') })),
  bytes.map((arg) => ({ arg, text: doubleQuote(arg) })),
  plainWord.map((arg) => ({ arg, text: `'${arg.toString('latin1')}'` })),
);

function doubleQuote(arg: Buffer): string {
  const hex = [...arg].map((b) => `\\x${b.toString(16).padStart(2, '0')}`);
  return `"${hex.join('')}"`;
}

/** One request and its encoding, inline or RESP. */
const request = fc.oneof(
  fc.array(inlineArg, { minLength: 1, maxLength: 6 }).chain((words) =>
    fc.constantFrom('\n', '\r\n').map((eol) => ({
      args: words.map((w) => w.arg),
      wire: Buffer.from(words.map((w) => w.text).join(' ') + eol, 'latin1'),
    })),
  ),
  fc.array(bytes, { minLength: 1, maxLength: 6 }).map((args) => ({ args, wire: encodeResp(args) })),
);

function encodeResp(args: Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) parts.push(Buffer.from(`$${arg.length}\r\n`), arg, Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

/** Cuts `stream` at the given (unsorted, possibly repeated) positions. */
function split(stream: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    chunks.push(stream.subarray(last, p));
    last = p;
  }
  chunks.push(stream.subarray(last));
  return chunks;
}

/** Protocol fragments mixed with junk, so random streams reach deep parser states. */
const junkPiece = fc.oneof(
  fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
  fc
    .constantFrom('*2\r\n', '*1\r\n', '*-1\r\n', '$3\r\n', '$0\r\n', '$70\r\n', '\r\n', '\n', '"', "'", ' ', 'SET', '\\x4')
    .map((s) => Buffer.from(s)),
  fc.nat({ max: 300 }).map((n) => Buffer.alloc(n, 0x61)),
);

describe('parser properties', () => {
  it('parses any stream of valid requests the same, however it is split', () => {
    fc.assert(
      fc.property(fc.array(request, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 20 }), (reqs, cuts) => {
        const stream = Buffer.concat(reqs.map((r) => r.wire));
        const expected: Shown[] = reqs.map((r) => req(...r.args.map((a) => a.toString('latin1'))));
        expect(parseChunks([stream], LIMITS)).toEqual(expected);
        expect(parseChunks(split(stream, cuts), LIMITS)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same items for any junk whether fed whole, split, or byte by byte', () => {
    fc.assert(
      fc.property(fc.array(junkPiece, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 10 }), (pieces, cuts) => {
        const stream = Buffer.concat(pieces);
        const whole = parseChunks([stream], LIMITS);
        expect(parseChunks(split(stream, cuts), LIMITS)).toEqual(whole);
        expect(parseChunks([...stream].map((b) => Buffer.from([b])), LIMITS)).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on junk, yields only requests within limits or errors, and stays bounded', () => {
    const small: ParserLimits = { lineBytesMax: 32, argsMax: 4, keyBytesMax: 8, valueBytesMax: 50 };
    const bound = small.lineBytesMax + 1 + bulkBytesMax(small) + requestBytesMax(small);
    fc.assert(
      fc.property(fc.array(junkPiece, { maxLength: 30 }), (pieces) => {
        const parser = new RequestParser(small);
        for (const piece of pieces) {
          parser.push(piece);
          for (const item of drain(parser)) {
            if (item.type === 'request') {
              expect(item.args.length).toBeGreaterThan(0);
              expect(item.args.length).toBeLessThanOrEqual(small.argsMax);
            } else {
              expect(item.message).toMatch(/^ERR Protocol error: [^\r\n]+$/);
            }
          }
          expect(parser.bufferedBytes).toBeLessThanOrEqual(bound);
        }
      }),
      { numRuns: 500 },
    );
  });
});
