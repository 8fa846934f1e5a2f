/**
 * A violation must stop the run and be reported with the seed, the step, the
 * invariant and the last events of each node; the final checks must reject
 * hand-made bad outcomes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readTraceFile } from '../../src/trace/reader.js';
import type { Operation } from '../../src/check/history.js';
import { ALL_FAULTS } from '../../src/sim/faults.js';
import { encodeConfig } from '../../src/raft/membership/config.js';
import { ENTRY_CONFIG } from '../../src/raft/types.js';
import { checkAckedWrites, checkLinearizable } from '../../src/sim/final-checks.js';
import { formatFailure } from '../../src/sim/report.js';
import { runSimulation } from '../../src/sim/run.js';
import { SimViolation } from '../../src/sim/violation.js';

describe('an injected violation', () => {
  test('a persisted term going back is reported with seed, step, invariant and recent events', async () => {
    const result = await runSimulation({
      seed: 31337,
      nodes: 3,
      faults: ALL_FAULTS,
      // Rewrites n1's durable hard state behind the node's back, as a buggy storage layer might.
      inject: { at: 2_000, act: (cluster) => cluster.nodes[0]!.disk.applyRaftWrite({ entries: [], hardState: { term: 0, vote: null } }) },
    });
    expect(result.failure).toMatchObject({ kind: 'TERM_REGRESSED', node: 'n1', timeMs: 2_000 });
    expect(result.failure!.step).toBeGreaterThan(0);
    const text = formatFailure(result, 'all');
    expect(text).toContain('VIOLATION TERM_REGRESSED');
    expect(text).toContain('seed 31337');
    expect(text).toContain(`step ${result.failure!.step}`);
    expect(text).toMatch(/ {2}n1:\n {4}#\d+ t=/);
    expect(text).toContain('"seed":31337');
  }, 30_000);

  test("writes every node's flight recorder as trace files that raftkv trace reads", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'raftkv-sim-traces-'));
    try {
      const result = await runSimulation({
        seed: 31337,
        nodes: 3,
        faults: ALL_FAULTS,
        failureTraceDir: dir,
        inject: { at: 2_000, act: (cluster) => cluster.nodes[0]!.disk.applyRaftWrite({ entries: [], hardState: { term: 0, vote: null } }) },
      });
      const files = result.failure!.traceFiles!;
      expect(files.length).toBeGreaterThanOrEqual(3);
      expect(formatFailure(result, 'all')).toContain(`raftkv trace merge ${files.join(' ')}`);
      const n1 = await readTraceFile(files.find((f) => f.includes('n1'))!);
      expect(n1.header.node).toBe('n1');
      expect(n1.records.length).toBeGreaterThan(100);
      expect(n1.records.at(-1)!.vt).toBeLessThanOrEqual(2_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  test('a configuration whose majorities miss the others is reported as DISJOINT_MAJORITIES', async () => {
    // A buggy storage layer (or leader) leaves n2's durable log ending in a configuration where n2 alone votes:
    // n2 could elect itself after a restart while n1 and n3 elect another leader in the same term.
    const config = encodeConfig({ members: [{ id: 'n2', role: 'voter', peer: '', client: '' }], removed: [] });
    const result = await runSimulation({
      seed: 7,
      nodes: 3,
      faults: ALL_FAULTS,
      schedule: [],
      inject: {
        at: 1_000,
        act: (cluster) => {
          const disk = cluster.nodes[1]!.disk;
          disk.applyRaftWrite({ entries: [{ index: disk.lastIndex() + 1, term: 1_000, type: ENTRY_CONFIG, data: config }] });
        },
      },
    });
    expect(result.failure?.kind).toBe('DISJOINT_MAJORITIES');
    expect(result.failure?.message).toMatch(/n2 \(disk: \{n2\}/);
  }, 30_000);

  test('an exception in product code is reported as NODE_CRASHED', async () => {
    const result = await runSimulation({
      seed: 5,
      nodes: 3,
      faults: ALL_FAULTS,
      inject: { at: 1_500, act: (cluster) => cluster.nodes[1]!.parts?.bus.publish({ type: 'storage.apply', entries: [{ index: 999_999, term: 1, type: 0, data: new Uint8Array(0) }] }) },
    });
    expect(result.failure?.kind).toBe('NODE_CRASHED');
    expect(result.failure?.message).toContain('apply 999999');
  }, 30_000);
});

const op = (o: Partial<Operation> & Pick<Operation, 'id' | 'kind'>): Operation => ({ client: o.id, key: 'k', status: 'ok', call: 0, return: 1, ...o });

describe('final checks', () => {
  test('an acknowledged write missing from the final state is reported', () => {
    const history = [op({ id: 1, kind: 'write', value: 'a', call: 0, return: 5 }), op({ id: 2, kind: 'write', value: 'b', call: 10, return: 12 })];
    expect(() => checkAckedWrites(history, new Map([['k', 'a']]))).toThrow(SimViolation);
    expect(() => checkAckedWrites(history, new Map([['k', 'b']]))).not.toThrow();
    // A concurrent unknown write may legitimately have landed last.
    const withUnknown = [...history, op({ id: 3, kind: 'write', value: 'c', status: 'unknown', call: 11, return: null })];
    expect(() => checkAckedWrites(withUnknown, new Map([['k', 'c']]))).not.toThrow();
    expect(() => checkAckedWrites(history, new Map())).toThrow(/ACKED_WRITE_LOST/);
  });

  test('a stale read fails the linearizability check', () => {
    const history = [
      op({ id: 1, kind: 'write', value: 'a', call: 0, return: 5 }),
      op({ id: 2, kind: 'write', value: 'b', call: 6, return: 8 }),
      op({ id: 3, kind: 'read', output: 'a', call: 9, return: 10 }),
    ];
    expect(() => checkLinearizable(history)).toThrow(/LINEARIZABILITY/);
    expect(checkLinearizable(history.slice(0, 2))).toBe('linearizable');
  });
});

describe('checker false alarm workaround', () => {
  test('a history that passes with its unknown writes left out is linearizable', () => {
    // An unknown write may never have happened: this is linearizable (cas fails on absent, write never lands, read absent).
    const history = [
      op({ id: 1, kind: 'cas', expected: 'a', value: 'b', swapped: false, call: 0, return: 1 }),
      op({ id: 2, kind: 'write', value: 'c', status: 'unknown', call: 2, return: null }),
      op({ id: 3, kind: 'read', output: null, call: 3, return: 4 }),
    ];
    expect(checkLinearizable(history)).toBe('linearizable');
  });
});

test('the workaround also holds when the key has failed operations', () => {
  const history = [
    op({ id: 1, kind: 'cas', expected: 'a', value: 'b', swapped: false, call: 0, return: 1 }),
    op({ id: 4, kind: 'write', value: 'x', status: 'fail', call: 0.5, return: 1.5 }),
    op({ id: 5, kind: 'read', status: 'fail', call: 0.5, return: 1.5 }),
    op({ id: 2, kind: 'write', value: 'c', status: 'unknown', call: 2, return: null }),
    op({ id: 3, kind: 'read', output: null, call: 3, return: 4 }),
  ];
  expect(checkLinearizable(history)).toBe('linearizable');
});
