import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGlob, globLiteralPrefix, globMatch, prefixRangeEnd } from '../../src/protocol/glob.js';
import { redisStringMatch } from './redis-stringmatch.js';

const b = (s: string) => Buffer.from(s, 'latin1');
const matches = (pattern: string, key: string) => globMatch(b(pattern), b(key));

describe('globMatch: Redis KEYS semantics', () => {
  // The examples of the Redis KEYS documentation, then the corners of stringmatchlen.
  const cases: [string, string[], string[]][] = [
    ['h?llo', ['hello', 'hallo', 'hxllo'], ['hllo', 'heello']],
    ['h*llo', ['hllo', 'heeeello', 'hello'], ['hell', 'xhllo']],
    ['h[ae]llo', ['hello', 'hallo'], ['hillo', 'hllo']],
    ['h[^e]llo', ['hallo', 'hbllo'], ['hello', 'hllo']],
    ['h[a-b]llo', ['hallo', 'hbllo'], ['hcllo']],
    ['h\\*llo', ['h*llo'], ['hello']],
    ['h[z-a]llo', ['hmllo'], ['h-llo']], // reversed ranges are swapped
    ['[\\]]', [']'], ['\\']], // escape inside a class
    ['[]', [], ['', ']', 'a']], // an empty class matches nothing
    ['[^]', ['a', ']'], ['', 'ab']], // ... and negated, any one byte
    ['[abc', ['a', 'c'], ['[', 'd']], // unterminated: the class runs to the end
    ['[a-]', ['^', 'a', ']'], ['-', 'b']], // range a..] (swapped), then unterminated
    ['a\\', ['a\\'], ['a']], // a trailing backslash is a literal
    ['*', ['', 'anything'], []],
    ['**a**', ['a', 'xxa', 'ab'], ['b', 'bc']],
    ['?', ['x'], ['', 'xy']],
    ['', [''], ['a']],
    ['a*b*c', ['abc', 'aXbXc', 'abbbc'], ['acb', 'abcd']],
  ];
  it.each(cases)('%j', (pattern, yes, no) => {
    for (const key of yes) expect(matches(pattern, key), key).toBe(true);
    for (const key of no) expect(matches(pattern, key), key).toBe(false);
  });

  it('matches raw bytes, comparing them unsigned', () => {
    expect(globMatch(Buffer.from([0x5b, 0x80, 0x2d, 0xff, 0x5d]), Buffer.from([0xc0]))).toBe(true);
    expect(globMatch(Buffer.from([0x2a, 0x00]), Buffer.from([1, 2, 0]))).toBe(true);
  });

  it('does not blow up on patterns that make naive backtracking exponential', () => {
    const key = b('a'.repeat(5000));
    const pattern = b('*a'.repeat(30) + '*b');
    const started = process.hrtime.bigint();
    expect(globMatch(pattern, key)).toBe(false);
    // Generous: quadratic work here is ~0.3M steps; exponential would never finish.
    expect(Number(process.hrtime.bigint() - started) / 1e9).toBeLessThan(2);
  });

  it('compiles once for many keys', () => {
    const matcher = compileGlob(b('user:[0-9]*'));
    expect(['user:1', 'user:x', 'user:42x', 'users'].map((k) => matcher(b(k)))).toEqual([true, false, true, false]);
  });
});

describe('globMatch: differential tests', () => {
  it('agrees with a port of Redis stringmatchlen on non-empty keys, quirks included', () => {
    const patternByte = fc.constantFrom(...'ab*?[]^-\\'.split('').map((c) => c.charCodeAt(0)));
    const keyByte = fc.constantFrom(...'ab-]^\\*['.split('').map((c) => c.charCodeAt(0)));
    fc.assert(
      fc.property(
        fc.array(patternByte, { maxLength: 9 }),
        fc.array(keyByte, { minLength: 1, maxLength: 9 }),
        (pattern, key) => {
          const p = Uint8Array.from(pattern);
          const k = Uint8Array.from(key);
          expect(globMatch(p, k)).toBe(redisStringMatch(p, k));
        },
      ),
      { numRuns: 3000 },
    );
  });

  /** A well-formed pattern as tokens, rendered both as a glob and as a RegExp. */
  const token = fc.oneof(
    fc.constantFrom('a', 'b', 'c').map((c) => ({ glob: c, regex: c })),
    fc.constantFrom('*', '?', '[', ']', '\\').map((c) => ({ glob: `\\${c}`, regex: `\\${c}` })),
    fc.constant({ glob: '?', regex: '.' }),
    fc.constant({ glob: '*', regex: '.*' }),
    fc
      .tuple(
        fc.boolean(),
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.constantFrom('a', 'b', 'c', 'd', null)), {
          minLength: 1,
          maxLength: 3,
        }),
      )
      .map(([not, items]) => ({
        glob: `[${not ? '^' : ''}${items.map(([lo, hi]) => (hi === null ? lo : `${lo}-${hi}`)).join('')}]`,
        regex: `[${not ? '^' : ''}${items.map(([lo, hi]) => (hi === null ? lo : [lo, hi].sort().join('-'))).join('')}]`,
      })),
  );

  it('agrees with a RegExp reference on ASCII', () => {
    fc.assert(
      fc.property(fc.array(token, { maxLength: 8 }), fc.stringMatching(/^[a-d*?[\]\\]{0,10}$/), (tokens, key) => {
        const glob = tokens.map((t) => t.glob).join('');
        const regex = new RegExp(`^${tokens.map((t) => t.regex).join('')}$`, 's');
        expect(matches(glob, key)).toBe(regex.test(key));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('globLiteralPrefix and prefixRangeEnd', () => {
  it.each([
    ['user:*', 'user:'],
    ['user:1', 'user:1'],
    ['*', ''],
    ['a?b', 'a'],
    ['ab[c]d', 'ab'],
    ['a\\*b*', 'a*b'],
    ['a\\', 'a\\'],
    ['', ''],
  ])('the literal prefix of %j is %j', (pattern, prefix) => {
    expect(Buffer.from(globLiteralPrefix(b(pattern))).toString('latin1')).toBe(prefix);
  });

  it('every match starts with the literal prefix', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[ab*?\\]{0,6}$/), fc.stringMatching(/^[ab*?\\]{0,6}$/), (pattern, key) => {
        if (matches(pattern, key)) {
          expect(key.startsWith(Buffer.from(globLiteralPrefix(b(pattern))).toString('latin1'))).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the exclusive end of a prefix range', () => {
    const prefix = b('user:');
    expect(prefixRangeEnd(prefix)).toEqual(Uint8Array.from(b('user;')));
    expect(prefix.toString()).toBe('user:'); // the input is not modified
    expect(prefixRangeEnd(Uint8Array.from([1, 0xff, 0xff]))).toEqual(Uint8Array.from([2]));
    expect(prefixRangeEnd(Uint8Array.from([0xff]))).toBeNull();
    expect(prefixRangeEnd(new Uint8Array(0))).toBeNull();
  });
});
