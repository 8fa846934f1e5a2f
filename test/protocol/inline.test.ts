import { describe, expect, it } from 'vitest';
import { UNBALANCED_QUOTES, splitInlineArgs } from '../../src/protocol/inline.js';

function split(line: string): string[] | string {
  const args = splitInlineArgs(Buffer.from(line, 'latin1'));
  return typeof args === 'string' ? args : args.map((a) => a.toString('latin1'));
}

describe('splitInlineArgs (sdssplitargs semantics)', () => {
  const cases: [string, string[]][] = [
    ['SET a b', ['SET', 'a', 'b']],
    ['  a \t b  ', ['a', 'b']],
    ['', []],
    [' \t ', []],
    ['a "b c" d', ['a', 'b c', 'd']],
    ['"" \'\'', ['', '']],
    ['"\\x41\\x4a\\x4A"', ['AJJ']],
    ['"\\xZZ" "\\x4"', ['xZZ', 'x4']],
    ['"a\\nb\\rc\\td\\be\\af"', ['a\nb\rc\td\be\x07f']],
    ['"\\\\" "\\"" "\\q"', ['\\', '"', 'q']],
    ["'a\\'b' 'a\\nb' 'a\"b'", ["a'b", 'a\\nb', 'a"b']],
    ['ab"cd" x', ['abcd', 'x']],
    ["ab'c d'", ['abc d']],
    ['"a"\tb', ['a', 'b']],
    ['a\x0bb \x0bc', ['a\x0bb', 'c']],
    ['a\rb', ['a', 'b']],
    ['\x00\xff \x80', ['\x00\xff', '\x80']],
  ];
  it.each(cases)('splits %j', (line, expected) => {
    expect(split(line)).toEqual(expected);
  });

  const bad = ['"abc', "'abc", '"a"b', "'a'b", '"abc\\', 'ab"cd ef"gh', 'x "'];
  it.each(bad)('rejects %j as unbalanced', (line) => {
    expect(split(line)).toBe(UNBALANCED_QUOTES);
  });

  it('reads only the given range, and copies each argument', () => {
    const line = Buffer.from('xxGET key yy');
    const args = splitInlineArgs(line, 2, 9);
    expect(Array.isArray(args) && args.map(String)).toEqual(['GET', 'key']);
    line.fill(0x20);
    expect(Array.isArray(args) && args.map(String)).toEqual(['GET', 'key']);
  });
});
