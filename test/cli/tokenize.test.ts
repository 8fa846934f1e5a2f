import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/io.js';
import { tokenize } from '../../src/cli/tokenize.js';

describe('tokenize', () => {
  it('splits on whitespace and groups quoted words', () => {
    expect(tokenize('  set  k   v ')).toEqual(['set', 'k', 'v']);
    expect(tokenize(`set k "hello world" 'it''s'`)).toEqual(['set', 'k', 'hello world', 'its']);
    expect(tokenize('set k ""')).toEqual(['set', 'k', '']);
  });

  it('applies backslash escapes outside single quotes', () => {
    expect(tokenize(String.raw`set k "a\"b\n" 'c\d' e\ f`)).toEqual(['set', 'k', 'a"b\n', 'c\\d', 'e f']);
  });

  it('rejects an unterminated quote', () => {
    expect(() => tokenize('set k "open')).toThrow(UsageError);
  });
});
