/**
 * Scenario tests of the pure core for membership changes, one server at a
 * time (dissertation 4.1): learners that catch up and are promoted, removal
 * (of a follower and of the leader itself), and the refusals that keep a
 * change safe (one at a time, not before the leader's first commit, no
 * promotion of a learner far behind, no change that would lose quorum).
 */
import { describe, expect, it } from 'vitest';
import type { MembershipChange } from '../../src/raft/membership/change.js';
import { learnersOf, votersOf } from '../../src/raft/membership/config.js';
import type { MembershipOutcome } from '../../src/raft/ready.js';
import { ENTRY_CONFIG } from '../../src/raft/types.js';
import { Harness } from './harness.js';

const IDS = ['a', 'b', 'c'];

function runUntil(h: Harness, done: () => boolean, rounds = 300): void {
  for (let i = 0; i < rounds && !done(); i++) {
    h.tickAll();
    h.deliverAll();
  }
  expect(done()).toBe(true);
}

/** A steady cluster of a, b, c with joiners waiting: a leader elected and its no-op committed everywhere. */
function steady(joiners: string[] = [], options: { learnerCatchUpEntriesMax?: number } = {}): { h: Harness; leader: string } {
  const h = new Harness({ ids: IDS, joiners, seed: 5, preVote: true, ...options });
  const leader = h.electLeader();
  h.tick(leader, 2);
  h.deliverAll();
  return { h, leader };
}

let nextChangeId = 1;

/** Asks `at` for a change; returns its immediate outcome (proposed or refused). */
function change(h: Harness, at: string, requested: MembershipChange): MembershipOutcome {
  const id = nextChangeId++;
  h.step(at, { type: 'changeMembership', id, change: requested });
  const outcome = h.membershipChanges.get(at)!.find((o) => o.id === id);
  expect(outcome).toBeDefined();
  return outcome!;
}

function addLearner(id: string): MembershipChange {
  return { kind: 'addLearner', member: { id, peer: `${id}.peer:1`, client: `${id}.client:1` } };
}

/** Proposes a change and runs the cluster until its entry is committed on the leader. */
function commitChange(h: Harness, leader: string, requested: MembershipChange): void {
  const outcome = change(h, leader, requested);
  expect(outcome).toMatchObject({ outcome: 'proposed' });
  const index = (outcome as { index: number }).index;
  runUntil(h, () => h.core(leader).view().commitIndex >= index);
}

describe('learners', () => {
  it('a learner added by the leader receives the whole log and its configuration, but never votes or campaigns', () => {
    const { h, leader } = steady(['d']);
    h.propose(leader, 'x=1');
    h.deliverAll();
    commitChange(h, leader, addLearner('d'));
    runUntil(h, () => h.core('d').view().lastIndex === h.core(leader).view().lastIndex);
    const config = h.core('d').view().config!;
    expect(votersOf(config).sort()).toEqual(IDS);
    expect(learnersOf(config)).toEqual(['d']);
    expect(config.members.find((m) => m.id === 'd')).toMatchObject({ peer: 'd.peer:1', client: 'd.client:1' });
    // The learner applies what the voters apply.
    runUntil(h, () => h.applied.get('d')!.some((e) => new TextDecoder().decode(e.data) === 'x=1'));
    // Cut off from the leader for many election timeouts, it still never campaigns.
    h.isolate('d');
    for (let i = 0; i < 200; i++) h.tickAll();
    expect(h.core('d').view().role).toBe('follower');
    expect(h.network.some((m) => m.from === 'd' && (m.type === 'PreVote' || m.type === 'RequestVote'))).toBe(false);
  });

  it("a learner's acknowledgements never make an entry committed", () => {
    const { h, leader } = steady(['d']);
    commitChange(h, leader, addLearner('d'));
    runUntil(h, () => h.core('d').view().lastIndex === h.core(leader).view().lastIndex);
    const followers = IDS.filter((id) => id !== leader);
    for (const f of followers) h.block(leader, f);
    const commit = h.core(leader).view().commitIndex;
    h.propose(leader, 'y=2');
    for (let i = 0; i < 5; i++) {
      h.tick(leader);
      h.deliverAll();
    }
    // The learner holds the entry: the leader and d make two of four members, but d does not count.
    expect(h.core('d').view().lastIndex).toBe(h.core(leader).view().lastIndex);
    expect(h.core(leader).view().commitIndex).toBe(commit);
  });

  it('a node in join mode knows no configuration and never campaigns until it is added', () => {
    const { h } = steady(['d']);
    expect(h.core('d').view().config).toBeNull();
    for (let i = 0; i < 100; i++) h.tick('d');
    expect(h.core('d').view()).toMatchObject({ role: 'follower', term: 0 });
  });
});

describe('promotion', () => {
  it('a caught-up learner is promoted and then counts: four voters need three acknowledgements', () => {
    const { h, leader } = steady(['d']);
    commitChange(h, leader, addLearner('d'));
    runUntil(h, () => h.core('d').view().lastIndex === h.core(leader).view().lastIndex);
    commitChange(h, leader, { kind: 'promote', id: 'd' });
    runUntil(h, () => votersOf(h.core('d').view().config!).includes('d'));
    expect(votersOf(h.core(leader).view().config!).sort()).toEqual(['a', 'b', 'c', 'd']);
    // With one other follower cut off, the leader, d and the last follower commit (3 of 4).
    const [f1, f2] = IDS.filter((id) => id !== leader);
    h.block(leader, f1!);
    h.propose(leader, 'z=3');
    runUntil(h, () => h.core(leader).view().commitIndex === h.core(leader).view().lastIndex);
    // With two cut off, nothing commits (2 of 4).
    h.block(leader, f2!);
    const commit = h.core(leader).view().commitIndex;
    h.propose(leader, 'w=4');
    for (let i = 0; i < 5; i++) {
      h.tick(leader);
      h.deliverAll();
    }
    expect(h.core(leader).view().commitIndex).toBe(commit);
  });

  it('a promoted learner can win an election', () => {
    const { h, leader } = steady(['d']);
    commitChange(h, leader, addLearner('d'));
    runUntil(h, () => h.core('d').view().lastIndex === h.core(leader).view().lastIndex);
    commitChange(h, leader, { kind: 'promote', id: 'd' });
    runUntil(h, () => h.core('d').view().commitIndex === h.core(leader).view().lastIndex);
    h.step(leader, { type: 'transferLeadership', id: 7, target: 'd' });
    runUntil(h, () => h.core('d').view().role === 'leader');
  });

  it('refuses to promote a learner far behind (LEARNER_BEHIND), a voter (NOT_A_LEARNER) and a stranger (UNKNOWN_MEMBER)', () => {
    const { h, leader } = steady(['d'], { learnerCatchUpEntriesMax: 5 });
    commitChange(h, leader, addLearner('d'));
    h.isolate('d');
    for (let i = 0; i < 10; i++) {
      h.propose(leader, `k${i}=v`);
      h.deliverAll();
    }
    expect(change(h, leader, { kind: 'promote', id: 'd' })).toMatchObject({ outcome: 'refused', code: 'LEARNER_BEHIND' });
    expect(change(h, leader, { kind: 'promote', id: 'b' })).toMatchObject({ outcome: 'refused', code: 'NOT_A_LEARNER' });
    expect(change(h, leader, { kind: 'promote', id: 'zz' })).toMatchObject({ outcome: 'refused', code: 'UNKNOWN_MEMBER' });
    h.heal();
    runUntil(h, () => h.core('d').view().lastIndex === h.core(leader).view().lastIndex);
    expect(change(h, leader, { kind: 'promote', id: 'd' })).toMatchObject({ outcome: 'proposed' });
  });
});

describe('one change at a time (dissertation 4.1)', () => {
  it('refuses a second change while the first is uncommitted', () => {
    const { h, leader } = steady(['d', 'e']);
    const followers = IDS.filter((id) => id !== leader);
    for (const f of followers) h.block(leader, f);
    expect(change(h, leader, addLearner('d'))).toMatchObject({ outcome: 'proposed' });
    expect(change(h, leader, addLearner('e'))).toMatchObject({ outcome: 'refused', code: 'CHANGE_IN_PROGRESS' });
    h.heal();
    runUntil(h, () => h.core(leader).view().commitIndex === h.core(leader).view().lastIndex);
    expect(change(h, leader, addLearner('e'))).toMatchObject({ outcome: 'proposed' });
  });

  it('refuses a change before the new leader has committed an entry of its term (the fix of 4.1.3)', () => {
    const h = new Harness({ ids: IDS, joiners: ['d'], seed: 5 });
    // Elected, but its no-op not yet acknowledged by anyone: only votes are delivered.
    for (let i = 0; i < 200 && h.leaders().length === 0; i++) {
      h.tickAll();
      h.deliverWhere((m) => m.type === 'RequestVote' || m.type === 'RequestVoteResponse');
    }
    const leader = h.leaders()[0]!;
    h.dropWhere(() => true);
    expect(h.core(leader).view().commitIndex).toBeLessThan(h.core(leader).view().lastIndex);
    expect(change(h, leader, addLearner('d'))).toMatchObject({ outcome: 'refused', code: 'CHANGE_IN_PROGRESS' });
  });

  it('a follower refuses with NOT_LEADER', () => {
    const { h, leader } = steady(['d']);
    const follower = IDS.find((id) => id !== leader)!;
    expect(change(h, follower, addLearner('d'))).toMatchObject({ outcome: 'refused', code: 'NOT_LEADER' });
  });

  it('refuses to add a member twice or to reuse a removed id', () => {
    const { h, leader } = steady(['d']);
    commitChange(h, leader, addLearner('d'));
    expect(change(h, leader, addLearner('d'))).toMatchObject({ outcome: 'refused', code: 'MEMBER_EXISTS' });
    commitChange(h, leader, { kind: 'remove', id: 'd' });
    expect(change(h, leader, addLearner('d'))).toMatchObject({ outcome: 'refused', code: 'REMOVED_MEMBER' });
  });
});

describe('removal', () => {
  it('a removed follower no longer counts and its messages are refused', () => {
    const { h, leader } = steady();
    const [gone, stays] = IDS.filter((id) => id !== leader) as [string, string];
    commitChange(h, leader, { kind: 'remove', id: gone });
    expect(votersOf(h.core(leader).view().config!).sort()).toEqual([leader, stays].sort());
    // Two voters left: the leader and `stays` commit without `gone`.
    h.isolate(gone);
    h.propose(leader, 'after=1');
    runUntil(h, () => h.core(leader).view().commitIndex === h.core(leader).view().lastIndex);
    // Whatever `gone` sends is refused by the members.
    h.heal();
    const term = h.core(leader).view().term;
    h.step(stays, { type: 'message', message: { type: 'RequestVote', from: gone, to: stays, term: term + 1, lastLogIndex: 1_000, lastLogTerm: term, leaderTransfer: true } });
    expect(h.core(stays).view().term).toBe(term);
  });

  it('a leader asked to remove itself hands leadership over first; the new leader removes it, and it never campaigns again', () => {
    const { h, leader } = steady();
    const term = h.core(leader).view().term;
    expect(change(h, leader, { kind: 'remove', id: leader })).toMatchObject({ outcome: 'refused', code: 'LEADER_HANDING_OVER' });
    const others = IDS.filter((id) => id !== leader);
    runUntil(h, () => others.some((id) => h.core(id).view().role === 'leader'));
    expect(h.core(leader).view().role).toBe('follower');
    const next = others.find((id) => h.core(id).view().role === 'leader')!;
    // Handed over by TimeoutNow: one term later, no election timeout waited for.
    expect(h.core(next).view().term).toBe(term + 1);
    runUntil(h, () => h.core(next).view().commitIndex === h.core(next).view().lastIndex);
    commitChange(h, next, { kind: 'remove', id: leader });
    expect(h.core(next).view().config!.removed).toEqual([leader]);
    // The removed node never received the entry that removed it, so it may poll for votes
    // after a while; the members refuse whatever it sends, and nothing it does disturbs them.
    const newTerm = h.core(next).view().term;
    for (let i = 0; i < 200; i++) {
      h.tickAll();
      h.deliverAll();
    }
    expect(h.core(next).view()).toMatchObject({ role: 'leader', term: newTerm });
    expect(h.core(leader).view().term).toBe(newTerm);
  });

  it('refuses a removal after which the voters still answering would not make a quorum (WOULD_LOSE_QUORUM)', () => {
    const { h, leader } = steady();
    const [down, healthy] = IDS.filter((id) => id !== leader) as [string, string];
    h.isolate(down);
    // Two check-quorum rounds without an answer from `down`.
    for (let i = 0; i < 25; i++) {
      h.tickAll();
      h.deliverAll();
    }
    expect(h.core(leader).view().role).toBe('leader');
    expect(change(h, leader, { kind: 'remove', id: healthy })).toMatchObject({ outcome: 'refused', code: 'WOULD_LOSE_QUORUM' });
    // Removing the dead one is fine: the leader and `healthy` remain.
    expect(change(h, leader, { kind: 'remove', id: down })).toMatchObject({ outcome: 'proposed' });
  });
});

describe('a configuration takes effect when appended', () => {
  it('a follower that appended a configuration entry later overwritten falls back to the one before', () => {
    const { h, leader } = steady(['d']);
    const [f1, f2] = IDS.filter((id) => id !== leader) as [string, string];
    h.block(leader, f2);
    // f1 gets the entry adding d, but it never commits: the leader is then cut off.
    h.step(leader, { type: 'changeMembership', id: 99, change: addLearner('d') });
    h.deliverWhere((m) => m.type === 'AppendEntries' && m.to === f1 && m.entries.some((e) => e.type === ENTRY_CONFIG));
    h.dropWhere(() => true);
    expect(learnersOf(h.core(f1).view().config!)).toEqual(['d']);
    h.isolate(leader);
    // f2 (without the entry) and f1 elect a new leader, which overwrites f1's uncommitted entry.
    runUntil(h, () => [f1, f2].some((id) => h.core(id).view().role === 'leader'));
    const next = [f1, f2].find((id) => h.core(id).view().role === 'leader')!;
    h.propose(next, 'over=1');
    runUntil(h, () => h.core(f1).view().commitIndex === h.core(next).view().lastIndex && h.core(f2).view().commitIndex === h.core(next).view().lastIndex);
    if (next === f2) expect(learnersOf(h.core(f1).view().config!)).toEqual([]);
    expect(learnersOf(h.core(next).view().config!)).toEqual(next === f1 ? ['d'] : []);
  });
});
