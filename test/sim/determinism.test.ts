/** One seed decides everything: the same seed (and schedule) gives the same run, event for event. */
import { describe, expect, test } from 'vitest';
import { ALL_FAULTS } from '../../src/sim/faults.js';
import { loadReplay, replayOf, replayOptions } from '../../src/sim/replay.js';
import { runSimulation } from '../../src/sim/run.js';

describe('determinism', () => {
  test('the same seed twice delivers identical event streams', async () => {
    const a = await runSimulation({ seed: 4242, nodes: 3, faults: ALL_FAULTS, hashEvents: true });
    const b = await runSimulation({ seed: 4242, nodes: 3, faults: ALL_FAULTS, hashEvents: true });
    expect(a.events).toBeGreaterThan(1000);
    expect(b.events).toBe(a.events);
    expect(b.hash).toBe(a.hash);
    expect(b.history).toEqual(a.history);
  }, 60_000);

  test('a 5-node run repeats too, and a different seed gives a different run', async () => {
    const a = await runSimulation({ seed: 77, nodes: 5, faults: ALL_FAULTS, hashEvents: true });
    const b = await runSimulation({ seed: 77, nodes: 5, faults: ALL_FAULTS, hashEvents: true });
    const c = await runSimulation({ seed: 78, nodes: 5, faults: ALL_FAULTS, hashEvents: true });
    expect(b.hash).toBe(a.hash);
    expect(c.hash).not.toBe(a.hash);
  }, 60_000);

  test('a printed replay spec (seed + schedule) reproduces the run', async () => {
    const original = await runSimulation({ seed: 99, nodes: 3, faults: ALL_FAULTS, hashEvents: true });
    const spec = loadReplay(JSON.stringify(replayOf(original, 'all')));
    const again = await runSimulation(replayOptions(spec, true));
    expect(spec.schedule?.length).toBe(original.schedule.length);
    expect(again.hash).toBe(original.hash);
  }, 60_000);
});
