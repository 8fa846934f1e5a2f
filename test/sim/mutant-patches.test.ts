/**
 * The named-bug suite (`npm run sim:mutants`) patches a copy of the source.
 * Each patch must still apply to today's source, or the suite silently stops
 * testing its bug: this test keeps them honest without running the suite.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const patches = readdirSync(join(root, 'test/mutants')).filter((f) => f.endsWith('.patch')).sort();

describe('named-bug patches', () => {
  it('cover the eight bugs of the simulation issue, three of snapshots (issue 8) and four of membership (issue 9)', () => {
    expect(patches).toHaveLength(15);
  });

  it.each(patches)('%s applies cleanly to the current source', (patch) => {
    // --check only: nothing in the work tree changes.
    expect(() => execFileSync('git', ['apply', '--check', join('test/mutants', patch)], { cwd: root, stdio: 'pipe' })).not.toThrow();
  });
});
