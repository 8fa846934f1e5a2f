/** Client sessions (Raft dissertation §6.3): exactly-once writes decided by log position only. */
import { describe, expect, it } from 'vitest';
import { planApply, type IndexedCommand } from '../../src/kv/apply.js';
import { decodeCommand, encodeCommand } from '../../src/kv/codec.js';
import type { KvCommand } from '../../src/kv/commands.js';
import { decodeRecord, type KvRecord } from '../../src/kv/record.js';
import { SessionTable, type SessionLimits } from '../../src/kv/sessions.js';

const limits: SessionLimits = { sessionsMax: 3, sessionResultsMax: 4, sessionIdleEntriesMax: 100 };
const b = (s: string) => Buffer.from(s);

/** Applies commands at consecutive indexes to a map, as the state machine does. */
function run(table: SessionTable, state: Map<string, KvRecord | undefined>, from: number, commands: KvCommand[]) {
  const indexed: IndexedCommand[] = commands.map((command, i) => ({ index: from + i, command }));
  const plan = planApply(indexed, state, table);
  for (const write of plan.writes) state.set(Buffer.from(write.key).toString('latin1'), write.type === 'put' ? decodeRecord(write.value) : undefined);
  return plan.results;
}

describe('session table', () => {
  it('opens sessions whose id is their log index', () => {
    const table = new SessionTable(limits);
    expect(table.open(7)).toEqual({ type: 'int', value: 7 });
    expect(table.admit({ id: 7, seq: 1 }, 8)).toEqual({ apply: true });
  });

  it('applies a retried CAS once and answers the retry with the first result', () => {
    const table = new SessionTable(limits);
    const state = new Map<string, KvRecord | undefined>([['k', { value: b('0'), version: 1, expireAt: 0 }]]);
    const [opened] = run(table, state, 1, [{ op: 'session-open' }]);
    const id = opened!.type === 'int' ? Number(opened!.value) : 0;
    const cas: KvCommand = { op: 'cas', key: b('k'), expected: b('0'), value: b('1'), session: { id, seq: 1 } };
    expect(run(table, state, 2, [cas])).toEqual([{ type: 'int', value: 1 }]);
    // The retry (say, after the leader died before replying) lands at a later index.
    expect(run(table, state, 3, [cas])).toEqual([{ type: 'int', value: 1 }]);
    // Without the session, applying it again would have failed the comparison.
    const { session: _ignored, ...plain } = cas as Extract<KvCommand, { op: 'cas' }>;
    expect(run(table, state, 4, [plain])).toEqual([{ type: 'int', value: 0 }]);
    expect(Buffer.from(state.get('k')!.value).toString()).toBe('1');
  });

  it('expires a session idle for more than sessionIdleEntriesMax entries', () => {
    const table = new SessionTable(limits);
    table.open(1);
    expect(table.admit({ id: 1, seq: 1 }, 101)).toEqual({ apply: true });
    const verdict = table.admit({ id: 1, seq: 1 }, 102);
    expect(verdict).toMatchObject({ apply: false, result: { type: 'error', message: expect.stringMatching(/^SESSION_EXPIRED/) } });
    expect(table.size()).toBe(0);
  });

  it('keeps at most sessionsMax sessions, evicting the least recently used', () => {
    const table = new SessionTable(limits);
    table.open(1);
    table.open(2);
    table.open(3);
    table.record({ id: 1, seq: 1 }, 4, { type: 'ok' }); // 1 is now the most recent
    table.open(5);
    expect(table.size()).toBe(3);
    expect(table.admit({ id: 2, seq: 1 }, 6)).toMatchObject({ apply: false });
    expect(table.admit({ id: 1, seq: 2 }, 6)).toEqual({ apply: true });
  });

  it('keeps sessionResultsMax results per session and refuses older retries instead of re-applying them', () => {
    const table = new SessionTable(limits);
    table.open(1);
    for (let seq = 1; seq <= 6; seq++) table.record({ id: 1, seq }, 1 + seq, { type: 'int', value: seq });
    expect(table.admit({ id: 1, seq: 6 }, 10)).toEqual({ apply: false, result: { type: 'int', value: 6 } });
    expect(table.admit({ id: 1, seq: 3 }, 10)).toEqual({ apply: false, result: { type: 'int', value: 3 } });
    expect(table.admit({ id: 1, seq: 2 }, 10)).toMatchObject({ apply: false, result: { type: 'error', message: expect.stringMatching(/^SESSION_STALE/) } });
  });

  it('forgets results the client acknowledged, and refuses a retry of one instead of re-applying it', () => {
    const table = new SessionTable({ ...limits, sessionResultsMax: 100 });
    table.open(1);
    table.record({ id: 1, seq: 1 }, 2, { type: 'ok' });
    table.record({ id: 1, seq: 2, lowestPending: 2 }, 3, { type: 'ok' }); // 1 was answered
    expect(table.admit({ id: 1, seq: 2 }, 4)).toEqual({ apply: false, result: { type: 'ok' } });
    expect(table.admit({ id: 1, seq: 1 }, 4)).toMatchObject({ apply: false, result: { type: 'error', message: expect.stringMatching(/^SESSION_STALE/) } });
    const stored = table.takeChanges().put[0]!;
    const restored = new SessionTable(limits, [stored]);
    expect(restored.admit({ id: 1, seq: 1 }, 4)).toMatchObject({ apply: false, result: { type: 'error' } });
  });

  it('round-trips through its stored form, and reports only what changed', () => {
    const table = new SessionTable(limits);
    table.open(1);
    table.open(2);
    table.record({ id: 1, seq: 1 }, 3, { type: 'error', message: 'x' });
    const first = table.takeChanges();
    expect(first.put.map((s) => s.id).sort()).toEqual([1, 2]);
    expect(table.takeChanges()).toEqual({ put: [], del: [] });
    const restored = new SessionTable(limits, first.put);
    expect(restored.admit({ id: 1, seq: 1 }, 4)).toEqual({ apply: false, result: { type: 'error', message: 'x' } });
    restored.open(5);
    restored.open(6); // evicts one of the two old sessions
    expect(restored.takeChanges().del).toHaveLength(1);
  });
});

describe('session commands in the log', () => {
  it('encode and decode with their session tags', () => {
    const commands: KvCommand[] = [
      { op: 'session-open' },
      { op: 'set', key: b('k'), value: b('v'), session: { id: 3, seq: 9 } },
      { op: 'set', key: b('k'), value: b('v'), session: { id: 3, seq: 9, lowestPending: 7 } },
      { op: 'del', keys: [b('a'), b('b')], session: { id: 3, seq: 10 } },
      { op: 'cas', key: b('k'), expected: b('v'), value: b('w') },
    ];
    for (const command of commands) expect(decodeCommand(encodeCommand(command))).toEqual(command);
  });
});
