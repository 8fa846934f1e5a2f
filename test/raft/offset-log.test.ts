/**
 * The core on an offset log (Raft §7): a node restarted from a compacted
 * disk holds only the entries after its log's start, and still elects,
 * replicates and commits; appends that reach back before the start are
 * answered without touching compacted indexes.
 */
import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/raft/types.js';
import { Harness } from './harness.js';

function commitSome(h: Harness, leader: string, n: number): void {
  h.propose(leader, ...Array.from({ length: n }, (_, i) => `k${i}`));
  h.deliverAll();
  h.tick(leader, 2);
  h.deliverAll();
}

describe('an offset log (§7)', () => {
  it('a cluster restarted from compacted disks elects a leader and commits after the start', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'] });
    commitSome(h, h.electLeader(), 6);
    const commit = h.core('a').view().commitIndex;
    expect(commit).toBe(7);
    for (const id of ['a', 'b', 'c']) {
      h.compactDisk(id, 5);
      h.restart(id);
      expect(h.core(id).view()).toMatchObject({ firstIndex: 6, lastIndex: 7, commitIndex: 5 });
    }
    const leader = h.electLeader();
    commitSome(h, leader, 2);
    for (const id of ['a', 'b', 'c']) {
      expect(h.core(id).view().commitIndex).toBe(10);
      expect(h.logOf(id).map(([index]) => index)).toEqual([6, 7, 8, 9, 10]);
      // Applied from the start on: nothing before it is handed out again.
      expect(h.applied.get(id)!.map((e) => e.index)).toEqual([6, 7, 8, 9, 10]);
    }
  });

  it('a follower answers an append whose previous index is before its start with its commit index', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'] });
    commitSome(h, h.electLeader(), 4);
    h.compactDisk('b', 4);
    h.restart('b');
    const term = h.core('b').view().term;
    const stale: Message = {
      type: 'AppendEntries', from: 'a', to: 'b', term, prevLogIndex: 2, prevLogTerm: 1,
      entries: [3, 4, 5].map((index) => ({ index, term: 1, type: 1, data: new Uint8Array(0) })), leaderCommit: 5,
    };
    h.network = [];
    h.step('b', { type: 'message', message: stale });
    const reply = h.network.find((m) => m.type === 'AppendEntriesResponse');
    expect(reply).toMatchObject({ success: true, matchIndex: 4 });
    expect(h.core('b').view().firstIndex).toBe(5);
  });

  it('a node whose log is empty after its start compares logs by the start point in elections (§5.4.1)', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'] });
    commitSome(h, h.electLeader(), 3);
    for (const id of ['a', 'b', 'c']) {
      h.compactDisk(id, h.disks.get(id)!.logStart.index + h.disks.get(id)!.entries.length);
      h.restart(id);
      expect(h.core(id).view().firstIndex).toBe(h.core(id).view().lastIndex + 1);
    }
    const leader = h.electLeader();
    commitSome(h, leader, 1);
    for (const id of ['a', 'b', 'c']) expect(h.core(id).view().commitIndex).toBe(6);
  });
});

describe('compaction after a snapshot (§7)', () => {
  it('drops the log up to the snapshot index less the trailing window, in memory and on disk', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'], snapshotTrailingEntries: 2 });
    const leader = h.electLeader();
    commitSome(h, leader, 8);
    h.step(leader, { type: 'snapshotted', index: 7 });
    expect(h.core(leader).view()).toMatchObject({ firstIndex: 6, lastIndex: 9 });
    expect(h.disks.get(leader)!.logStart).toEqual({ index: 5, term: 1 });
    expect(h.disks.get(leader)!.entries.map((e) => e.index)).toEqual([6, 7, 8, 9]);
    // A snapshot that would not move the start changes nothing.
    h.step(leader, { type: 'snapshotted', index: 6 });
    expect(h.disks.get(leader)!.logStart.index).toBe(5);
    // Replication goes on from the retained tail.
    commitSome(h, leader, 1);
    for (const id of ['a', 'b', 'c']) expect(h.core(id).view().commitIndex).toBe(10);
  });

  it('a snapshot beyond what was handed out to apply is a programmer error', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'] });
    const leader = h.electLeader();
    expect(() => h.step(leader, { type: 'snapshotted', index: 5 })).toThrow(/never handed out/);
  });
});
