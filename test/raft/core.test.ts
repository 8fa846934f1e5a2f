/**
 * Scenario tests of the pure Raft core, each tagged with the section of the
 * Raft paper (or Ongaro's dissertation) whose rule it checks.
 */
import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/raft/types.js';
import { Harness } from './harness.js';

const vote = (from: string, to: string, term: number, lastLogIndex = 0, lastLogTerm = 0): Message => ({
  type: 'RequestVote',
  from,
  to,
  term,
  lastLogIndex,
  lastLogTerm,
  leaderTransfer: false,
});

function tickUntilCandidate(h: Harness, id: string): void {
  for (let i = 0; i < 100 && h.core(id).view().role !== 'candidate'; i++) h.tick(id);
  expect(h.core(id).view().role).toBe('candidate');
}

/** Ticks the leader through a heartbeat round and delivers everything. */
function heartbeat(h: Harness, leader: string): void {
  h.tick(leader, 2);
  h.deliverAll();
}

describe('election (§5.2)', () => {
  it('a follower that times out becomes candidate, wins a majority and leads; the no-op commits everywhere', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'] });
    tickUntilCandidate(h, 'a');
    expect(h.core('a').view()).toMatchObject({ term: 1, vote: 'a' });
    h.deliverAll();
    expect(h.core('a').view().role).toBe('leader');
    heartbeat(h, 'a');
    for (const id of ['b', 'c']) expect(h.core(id).view()).toMatchObject({ role: 'follower', term: 1, leader: 'a' });
    for (const id of ['a', 'b', 'c']) expect(h.applied.get(id)!.map((e) => [e.index, e.term, e.type])).toEqual([[1, 1, 0]]);
  });

  it('a split vote elects nobody in that term and a later randomized timeout resolves it', () => {
    const h = new Harness({ ids: ['a', 'b', 'c', 'd'], seed: 7 });
    tickUntilCandidate(h, 'a');
    tickUntilCandidate(h, 'b');
    // c hears only a, d hears only b: two votes each, quorum is three.
    h.dropWhere((m) => (m.from === 'a' && m.to === 'd') || (m.from === 'b' && m.to === 'c'));
    h.deliverAll();
    expect(h.leaders()).toEqual([]);
    expect(h.core('a').view()).toMatchObject({ role: 'candidate', term: 1 });
    expect(h.core('b').view()).toMatchObject({ role: 'candidate', term: 1 });
    const leader = h.electLeader();
    expect(h.core(leader).view().term).toBeGreaterThan(1);
    expect(h.leaders()).toEqual([leader]);
  });

  it('a node grants one vote per term, and only to a log at least as up-to-date as its own (§5.4.1)', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'] });
    h.step('c', { type: 'message', message: vote('a', 'c', 1) });
    h.step('c', { type: 'message', message: vote('b', 'c', 1) });
    const replies = h.network.filter((m) => m.type === 'RequestVoteResponse');
    expect(replies.map((m) => [m.to, m.type === 'RequestVoteResponse' && m.granted])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    // A log with entries of term 1 refuses a candidate whose log is empty.
    const leader = h.electLeader();
    const follower = ['a', 'b', 'c'].find((id) => id !== leader)!;
    const term = h.core(follower).view().term;
    h.network = [];
    h.step(follower, { type: 'message', message: vote('x', follower, term + 5, 0, 0) });
    expect(h.network.find((m) => m.type === 'RequestVoteResponse')).toBeUndefined(); // ignored: leader lease
    h.tick(follower, 40);
    h.network = [];
    const candidate = ['a', 'b', 'c'].find((id) => id !== leader && id !== follower)!;
    h.step(follower, { type: 'message', message: vote(candidate, follower, 99, 0, 0) });
    const reply = h.network.find((m) => m.type === 'RequestVoteResponse');
    expect(reply).toMatchObject({ granted: false, term: 99 });
  });
});

describe('terms (§5.1)', () => {
  it('a leader that sees a higher term steps down and follows the new leader', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'] });
    tickUntilCandidate(h, 'a');
    h.deliverAll();
    heartbeat(h, 'a');
    h.isolate('a');
    // Only b and c run; a neither ticks nor hears anything.
    for (let i = 0; i < 100 && h.leaders().every((id) => id === 'a'); i++) {
      h.tick('b');
      h.tick('c');
      h.deliverAll();
    }
    const newLeader = h.leaders().find((id) => id !== 'a')!;
    expect(h.core(newLeader).view().term).toBe(2);
    expect(h.core('a').view()).toMatchObject({ role: 'leader', term: 1 });
    h.heal();
    heartbeat(h, newLeader);
    expect(h.core('a').view()).toMatchObject({ role: 'follower', term: 2, leader: newLeader });
  });

  it('a stale leader is told the newer term when its append is rejected', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'] });
    h.step('b', { type: 'message', message: vote('c', 'b', 5) });
    h.network = [];
    h.step('b', {
      type: 'message',
      message: { type: 'AppendEntries', from: 'a', to: 'b', term: 3, prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 },
    });
    expect(h.network).toEqual([expect.objectContaining({ type: 'AppendEntriesResponse', to: 'a', term: 5, success: false })]);
    expect(h.core('b').view().term).toBe(5);
  });
});

describe('log replication (§5.3)', () => {
  it('repairs a follower whose log diverged: its uncommitted suffix is replaced by the leader’s', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'] });
    tickUntilCandidate(h, 'a');
    h.deliverAll();
    h.propose('a', 'x');
    h.deliverAll();
    heartbeat(h, 'a');
    h.isolate('a');
    h.propose('a', 'y1', 'y2'); // only a ever holds these
    h.deliverAll();
    expect(h.logOf('a')).toEqual([[1, 1], [2, 1], [3, 1], [4, 1]]);
    let leader = 'a';
    for (let i = 0; i < 100 && leader === 'a'; i++) {
      h.tick('b');
      h.tick('c');
      h.deliverAll();
      leader = h.leaders().find((id) => id !== 'a') ?? 'a';
    }
    h.propose(leader, 'z');
    h.deliverAll();
    h.heal();
    for (let i = 0; i < 5; i++) heartbeat(h, leader);
    const expected = [[1, 1], [2, 1], [3, 2], [4, 2]];
    for (const id of ['a', 'b', 'c']) expect(h.logOf(id)).toEqual(expected);
    const appliedOnA = h.applied.get('a')!.map((e) => new TextDecoder().decode(e.data));
    expect(appliedOnA).toEqual(['', 'x', '', 'z']);
    // The repair truncated a's disk too, not only its memory.
    expect(h.disks.get('a')!.entries.map((e) => [e.index, e.term])).toEqual(expected);
  });

  it('fast back-off: a rejection names the conflicting term so the leader skips the whole term', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'] });
    h.step('b', {
      type: 'message',
      message: {
        type: 'AppendEntries', from: 'a', to: 'b', term: 2, prevLogIndex: 0, prevLogTerm: 0, leaderCommit: 0,
        entries: [1, 2, 3, 4].map((index) => ({ index, term: index === 1 ? 1 : 2, type: 1 as const, data: new Uint8Array() })),
      },
    });
    h.network = [];
    h.step('b', {
      type: 'message',
      message: { type: 'AppendEntries', from: 'c', to: 'b', term: 3, prevLogIndex: 4, prevLogTerm: 3, entries: [], leaderCommit: 0 },
    });
    expect(h.network).toEqual([expect.objectContaining({ success: false, conflictTerm: 2, conflictIndex: 2, rejectedIndex: 4 })]);
  });

  it('entries proposed together go out in one append per follower and one persist', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'] });
    tickUntilCandidate(h, 'a');
    h.deliverAll();
    heartbeat(h, 'a');
    h.setAutoPersist(false);
    h.network = [];
    h.propose('a', 'p1', 'p2', 'p3');
    const appends = h.network.filter((m) => m.type === 'AppendEntries');
    expect(appends.map((m) => [m.to, m.type === 'AppendEntries' && m.entries.length])).toEqual([
      ['b', 3],
      ['c', 3],
    ]);
    expect(h.pendingPersists.get('a')!.map((p) => p.entries.length)).toEqual([3]);
  });
});

describe('commitment (§5.4.2, Figure 8)', () => {
  it('a leader does not commit an entry of an earlier term by counting replicas', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'] });
    tickUntilCandidate(h, 'a');
    h.deliverAll();
    heartbeat(h, 'a');
    h.propose('a', 'old'); // index 2, term 1: only a will hold it
    h.network = [];
    // The whole cluster restarts; a, with the longer log, times out first.
    for (const id of ['a', 'b', 'c']) h.restart(id);
    tickUntilCandidate(h, 'a');
    h.deliverWhere((m) => m.type === 'RequestVote');
    h.deliverWhere((m) => m.type === 'RequestVoteResponse');
    expect(h.core('a').view()).toMatchObject({ role: 'leader', term: 2, lastIndex: 3 });
    h.network = [];
    const ack = (from: string, matchIndex: number): Message => ({
      type: 'AppendEntriesResponse', from, to: 'a', term: 2, success: true, matchIndex, conflictIndex: 0, conflictTerm: 0, rejectedIndex: matchIndex - 1,
    });
    // b acknowledges index 2 (the term-1 entry) only: a majority holds it, but it is not of term 2.
    h.step('a', { type: 'message', message: ack('b', 2) });
    expect(h.core('a').view().commitIndex).toBe(0); // restarted, it knows of no commit yet
    // Once the term-2 no-op at index 3 is on a majority, both commit.
    h.step('a', { type: 'message', message: ack('b', 3) });
    expect(h.core('a').view().commitIndex).toBe(3);
    expect(h.applied.get('a')!.map((e) => e.index)).toEqual([1, 2, 3]);
  });
});

describe('persistence (§5.2, Figure 2 "persistent state")', () => {
  it('a vote survives a restart: no second vote in the same term', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'] });
    h.step('c', { type: 'message', message: vote('a', 'c', 1) });
    expect(h.disks.get('c')!.hardState).toEqual({ term: 1, vote: 'a' });
    h.restart('c');
    h.network = [];
    h.step('c', { type: 'message', message: vote('b', 'c', 1) });
    expect(h.network).toEqual([expect.objectContaining({ type: 'RequestVoteResponse', to: 'b', granted: false })]);
  });

  it('a vote is sent only after it is on disk; a crash before that forgets it and sends nothing', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'], autoPersist: false });
    h.step('c', { type: 'message', message: vote('a', 'c', 1) });
    expect(h.network.filter((m) => m.type === 'RequestVoteResponse')).toEqual([]);
    h.completePersist('c');
    expect(h.network).toEqual([expect.objectContaining({ type: 'RequestVoteResponse', to: 'a', granted: true })]);
    h.network = [];
    h.step('c', { type: 'message', message: vote('b', 'c', 2) });
    h.restart('c'); // the term-2 vote for b never reached disk
    expect(h.network).toEqual([]);
    expect(h.core('c').view()).toMatchObject({ term: 1, vote: 'a' });
  });

  it('an append is acknowledged only after its entries are durable', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'], autoPersist: false });
    h.step('b', {
      type: 'message',
      message: {
        type: 'AppendEntries', from: 'a', to: 'b', term: 1, prevLogIndex: 0, prevLogTerm: 0, leaderCommit: 0,
        entries: [{ index: 1, term: 1, type: 1, data: new Uint8Array([1]) }],
      },
    });
    expect(h.network).toEqual([]);
    h.completePersist('b');
    expect(h.network).toEqual([expect.objectContaining({ type: 'AppendEntriesResponse', success: true, matchIndex: 1 })]);
  });

  it('a restarted node recovers term, vote and log from its disk', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'] });
    const leader = h.electLeader();
    h.propose(leader, 'k1', 'k2');
    h.deliverAll();
    heartbeat(h, leader);
    for (const id of ['a', 'b', 'c']) {
      const before = h.core(id).view();
      const log = h.logOf(id);
      h.restart(id);
      expect(h.core(id).view()).toMatchObject({ term: before.term, vote: before.vote, lastIndex: before.lastIndex });
      expect(h.logOf(id)).toEqual(log);
    }
  });
});

describe('linearizable reads by ReadIndex (dissertation §6.4)', () => {
  it('a leader serves a read after one heartbeat round, at its commit index', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'] });
    const leader = h.electLeader();
    heartbeat(h, leader);
    h.network = [];
    // Two reads arrive in one batch (before one flush).
    h.core(leader).step({ type: 'read', id: 1 });
    h.step(leader, { type: 'read', id: 2 });
    expect(h.readsReady.get(leader)).toEqual([]);
    // Both reads share a single round: two heartbeats (one per follower), not four.
    expect(h.network.filter((m) => m.type === 'Heartbeat')).toHaveLength(2);
    h.deliverAll();
    const commit = h.core(leader).view().commitIndex;
    expect(h.readsReady.get(leader)).toEqual([{ id: 1, index: commit }, { id: 2, index: commit }]);
  });

  it('a deposed leader never serves a read: it waits, then refuses when it learns of the new term', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'] });
    tickUntilCandidate(h, 'a');
    h.deliverAll();
    heartbeat(h, 'a');
    h.isolate('a');
    for (let i = 0; i < 100 && h.leaders().length < 2; i++) {
      h.tick('b');
      h.tick('c');
      h.deliverAll();
    }
    const newLeader = h.leaders().find((id) => id !== 'a')!;
    h.propose(newLeader, 'fresh');
    h.deliverAll();
    h.step('a', { type: 'read', id: 42 });
    h.deliverAll();
    expect(h.readsReady.get('a')).toEqual([]);
    h.heal();
    heartbeat(h, newLeader);
    expect(h.readsReady.get('a')).toEqual([]);
    expect(h.refused.get('a')).toEqual([{ id: 42, kind: 'read', leader: newLeader }]);
  });

  it('a new leader holds reads until it has committed an entry of its own term', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'] });
    tickUntilCandidate(h, 'a');
    h.deliverWhere((m) => m.type === 'RequestVote');
    h.deliverWhere((m) => m.type === 'RequestVoteResponse');
    expect(h.core('a').view()).toMatchObject({ role: 'leader', commitIndex: 0 });
    h.dropWhere(() => true);
    h.step('a', { type: 'read', id: 7 });
    h.tick('a', 2);
    h.deliverWhere((m) => m.type === 'Heartbeat' || m.type === 'HeartbeatResponse');
    expect(h.readsReady.get('a')).toEqual([]);
    // The follower that answered the heartbeat gets the no-op; once it commits, the read goes.
    h.deliverAll();
    expect(h.readsReady.get('a')).toEqual([{ id: 7, index: 1 }]);
  });

  it('a follower refuses reads and proposals, naming the leader', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'] });
    const leader = h.electLeader();
    heartbeat(h, leader);
    const follower = ['a', 'b', 'c'].find((id) => id !== leader)!;
    h.step(follower, { type: 'read', id: 3 });
    h.propose(follower, 'w');
    expect(h.refused.get(follower)).toEqual([
      { id: 3, kind: 'read', leader },
      { id: 1000, kind: 'proposal', leader },
    ]);
  });
});

describe('lease reads (dissertation §6.4.1), behind readMode "lease"', () => {
  it('serve at once, with no heartbeat round, while a majority acknowledged a recent heartbeat', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'], leaseReads: true });
    const leader = h.electLeader();
    heartbeat(h, leader);
    h.network = [];
    h.step(leader, { type: 'read', id: 1 });
    expect(h.readsReady.get(leader)).toEqual([{ id: 1, index: h.core(leader).view().commitIndex }]);
    expect(h.network.filter((m) => m.type === 'Heartbeat')).toEqual([]);
  });

  it('fall back to a heartbeat round once the lease has run out, so a cut-off leader serves nothing', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'], leaseReads: true });
    tickUntilCandidate(h, 'a');
    h.deliverAll();
    heartbeat(h, 'a');
    h.isolate('a');
    // Within the lease (80% of electionTicksMin = 8 ticks from the acknowledged heartbeat): served.
    h.step('a', { type: 'read', id: 4 });
    expect(h.readsReady.get('a')!.map((r) => r.id)).toEqual([4]);
    h.tick('a', 8);
    h.step('a', { type: 'read', id: 5 });
    h.deliverAll();
    expect(h.core('a').view().role).toBe('leader');
    expect(h.readsReady.get('a')!.map((r) => r.id)).toEqual([4]);
  });

  it('a leader stopped past its lease (no ticks fired, its clock ran on) serves nothing under the lease when it resumes', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'], leaseReads: true });
    tickUntilCandidate(h, 'a');
    h.deliverAll();
    heartbeat(h, 'a');
    h.isolate('a');
    h.step('a', { type: 'read', id: 6 });
    expect(h.readsReady.get('a')!.map((r) => r.id)).toEqual([6]);
    // SIGSTOP for 10 election timeouts: b or c may have been elected meanwhile.
    h.pause('a', 1_000);
    h.step('a', { type: 'read', id: 7 });
    h.deliverAll();
    expect(h.core('a').view().role).toBe('leader');
    expect(h.readsReady.get('a')!.map((r) => r.id)).toEqual([6]);
  });

  it('a read without a clock reading is never served under the lease', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'], leaseReads: true });
    tickUntilCandidate(h, 'a');
    h.deliverAll();
    heartbeat(h, 'a');
    h.isolate('a');
    h.core('a').step({ type: 'read', id: 8 });
    h.core('a').step({ type: 'flush' });
    expect(h.core('a').takeReady().readsReady).toEqual([]);
  });
});

describe('leadership (dissertation §6.2 check-quorum)', () => {
  it('a leader cut off from the majority steps down after an election timeout', () => {
    const h = new Harness({ ids: ['a', 'b', 'c'] });
    tickUntilCandidate(h, 'a');
    h.deliverAll();
    h.isolate('a');
    // The first check (after electionTicksMin = 10 ticks) still counts the
    // replies from before the cut; the second finds nobody heard from.
    h.tick('a', 19);
    expect(h.core('a').view().role).toBe('leader');
    h.tick('a');
    expect(h.core('a').view()).toMatchObject({ role: 'follower', term: 1, leader: null });
  });
});
