import { describe, expect, it } from 'vitest';
import { formatHistory } from '../../src/check/format.js';
import { cas, del, read, write } from './ops.js';

describe('formatHistory', () => {
  it('prints one line per operation in call order, with interval, client, operation and outcome', () => {
    const w = write(1, 10, 14, 'a');
    const u = cas(2, 12, null, 'a', 'b', undefined, { status: 'unknown' });
    const r = read(3, 15, 16, 'a');
    const d = del(1, 5, 6);
    const text = formatHistory([w, u, r, d]);
    const lines = text.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(new RegExp(`^#${d.id}\\s+c1\\s+\\[\\s*5 \\.\\.\\s*6\\].*delete\\s+ok$`));
    expect(lines[1]).toContain('write "a"');
    expect(lines[2]).toMatch(/\[12 \.\.\s+∞\].*>\|\s+cas "a" -> "b"\s+unknown$/);
    expect(lines[3]).toMatch(/read\s+-> "a"$/);
  });

  it('draws overlapping operations with overlapping bars', () => {
    const lines = formatHistory([write(1, 0, 10, 'a'), read(2, 5, 15, 'a')]).split('\n');
    const bar = (line: string): string => line.split('|')[1]!;
    const first = bar(lines[0]!);
    const second = bar(lines[1]!);
    const overlap = [...first].some((ch, i) => ch === '=' && second[i] === '=');
    expect(overlap).toBe(true);
  });
});
