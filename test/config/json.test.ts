import { describe, expect, test } from 'vitest';
import { lineColumn, parseJson } from '../../src/config/json.js';

describe('parseJson', () => {
  test('valid JSON parses', () => {
    expect(parseJson('{"a": [1, "x"]}')).toEqual({ ok: true, value: { a: [1, 'x'] } });
  });

  test('an unexpected token deep in a long file is located exactly', () => {
    // V8 gives no position for this error, so the locator's search has to find it.
    const lines = ['{'];
    for (let i = 0; i < 300; i++) lines.push(`  "key${i}": ${i},`);
    lines.push('  "bad": }');
    const result = parseJson(lines.join('\n'));
    expect(result).toEqual({ ok: false, line: 302, column: 10, message: "Unexpected token '}'" });
  });

  test('the position found is that of the token V8 names', () => {
    expect(parseJson('\n  x')).toEqual({ ok: false, line: 2, column: 3, message: "Unexpected token 'x'" });
    // `n` could start `null`, so V8 objects to the `o`, and so do we.
    expect(parseJson('nope')).toEqual({ ok: false, line: 1, column: 2, message: "Unexpected token 'o'" });
  });
});

describe('lineColumn', () => {
  test.each([
    [0, 1, 1],
    [2, 1, 3],
    [3, 2, 1],
    [5, 2, 3],
    [6, 3, 1],
  ])('offset %i is line %i, column %i', (offset, line, column) => {
    expect(lineColumn('ab\ncd\n', offset)).toEqual({ line, column });
  });
});
