/** runSimCommand: exit codes and what it prints, for a batch, a replay and bad input. */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { runSimCommand } from '../../src/sim/cli.js';

function capture(): { out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
  return { out: () => out.join(''), err: () => err.join('') };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('runSimCommand', () => {
  test('a clean batch exits 0 with a summary', async () => {
    const io = capture();
    const code = await runSimCommand({ seeds: 3, nodes: 3, faults: 'net,crash', firstSeed: 500 });
    expect(code).toBe(0);
    expect(io.out()).toMatch(/runs: 3 {3}violations: none/);
    expect(io.out()).toMatch(/delivered events: \d+ {3}simulated time: [\d.]+ s/);
  }, 60_000);

  test('--json prints the summary as JSON', async () => {
    const io = capture();
    expect(await runSimCommand({ seeds: 2, nodes: 3, faults: 'all', json: true })).toBe(0);
    expect(JSON.parse(io.out())).toMatchObject({ runs: 2, violations: {}, failures: [] });
  }, 60_000);

  test('a replay given as inline JSON runs that one seed and schedule', async () => {
    const io = capture();
    const spec = JSON.stringify({ seed: 12, nodes: 3, faults: 'all', schedule: [{ at: 500, type: 'crash', node: 'leader' }, { at: 900, type: 'restart', node: 'all' }] });
    expect(await runSimCommand({ seeds: 1, nodes: 3, faults: 'all', replay: spec })).toBe(0);
    expect(io.out()).toContain('seed 12: ok');
    expect(io.out()).toMatch(/event hash [0-9a-f]{8}/);
  }, 60_000);

  test('bad fault classes and bad replays are usage errors (exit 2) with a code', async () => {
    const io = capture();
    expect(await runSimCommand({ seeds: 1, nodes: 3, faults: 'net,lightning' })).toBe(2);
    expect(io.err()).toContain('SIM_BAD_FAULTS');
    expect(await runSimCommand({ seeds: 1, nodes: 3, faults: 'all', replay: '{"seed": "x"}' })).toBe(2);
    expect(await runSimCommand({ seeds: 1, nodes: 3, faults: 'all', replay: '{"seed": 1, "schedule": [{"at": 5, "type": "crash", "node": 9}]}' })).toBe(2);
    expect(io.err()).toContain('SIM_BAD_REPLAY');
  }, 60_000);
});
