/**
 * Scenario tests of the pure core for pre-vote (dissertation §9.6) and
 * leadership transfer (dissertation §3.10, TimeoutNow).
 */
import { describe, expect, it } from 'vitest';
import type { CoreView } from '../../src/raft/core.js';
import type { Message } from '../../src/raft/types.js';
import { Harness } from './harness.js';

const IDS = ['a', 'b', 'c'];

/** Ticks every node and delivers, round by round, until `done` or the limit. */
function runUntil(h: Harness, done: () => boolean, rounds = 200): void {
  for (let i = 0; i < rounds && !done(); i++) {
    h.tickAll();
    h.deliverAll();
  }
  expect(done()).toBe(true);
}

/** A steady cluster: a leader elected and its no-op committed everywhere. */
function steady(preVote: boolean): { h: Harness; leader: string } {
  const h = new Harness({ ids: IDS, preVote, seed: 3 });
  const leader = h.electLeader();
  h.tick(leader, 2);
  h.deliverAll();
  return { h, leader };
}

describe('pre-vote (dissertation §9.6)', () => {
  it('a node cut off for many election timeouts rejoins without raising the term or deposing the leader', () => {
    const { h, leader } = steady(true);
    const term = h.core(leader).view().term;
    const cut = IDS.find((id) => id !== leader)!;
    h.isolate(cut);
    for (let i = 0; i < 200; i++) {
      h.tickAll();
      h.deliverAll();
    }
    expect(h.core(cut).view()).toMatchObject({ term, role: 'precandidate' });
    h.heal();
    runUntil(h, () => h.core(cut).view().leader === leader);
    for (const id of IDS) expect(h.core(id).view().term).toBe(term);
    expect(h.leaders()).toEqual([leader]);
  });

  it('without pre-vote the same partition raises the term and the leader is deposed (what pre-vote prevents)', () => {
    const { h, leader } = steady(false);
    const term = h.core(leader).view().term;
    const cut = IDS.find((id) => id !== leader)!;
    h.isolate(cut);
    for (let i = 0; i < 200; i++) {
      h.tickAll();
      h.deliverAll();
    }
    expect(h.core(cut).view().term).toBeGreaterThan(term + 5);
    h.heal();
    runUntil(h, () => h.leaders().length === 1 && h.core(h.leaders()[0]!).view().term > term);
  });

  it('a leader lost: survivors poll without touching their terms, then a real election raises the term', () => {
    const { h, leader } = steady(true);
    const term = h.core(leader).view().term;
    h.isolate(leader);
    const survivors = IDS.filter((id) => id !== leader);
    for (let i = 0; i < 100 && !survivors.some((id) => h.core(id).view().role === 'precandidate'); i++) h.tickAll();
    const polling = survivors.find((id) => h.core(id).view().role === 'precandidate')!;
    const votesBefore = survivors.map((id) => h.core(id).view().vote);
    h.deliverWhere((m) => m.type === 'PreVote');
    expect(survivors.map((id) => h.core(id).view().term)).toEqual([term, term]);
    expect(survivors.map((id) => h.core(id).view().vote)).toEqual(votesBefore);
    expect(h.network.filter((m) => m.type === 'PreVoteResponse' && m.to === polling).length).toBeGreaterThan(0);
    runUntil(h, () => survivors.some((id) => h.core(id).view().role === 'leader'));
    const newLeader = survivors.find((id) => h.core(id).view().role === 'leader')!;
    expect(h.core(newLeader).view().term).toBeGreaterThan(term);
  });

  it('a precandidate refused by a node in a newer term adopts that term and follows', () => {
    const h = new Harness({ ids: IDS, preVote: true });
    for (let i = 0; i < 100 && h.core('a').view().role !== 'precandidate'; i++) h.tick('a');
    expect(h.core('a').view()).toMatchObject({ role: 'precandidate', term: 0, vote: null });
    const refusal: Message = { type: 'PreVoteResponse', from: 'b', to: 'a', term: 5, granted: false };
    h.step('a', { type: 'message', message: refusal });
    expect(h.core('a').view()).toMatchObject({ role: 'follower', term: 5 });
  });

  it('answering a pre-vote writes nothing: no persist, no term change, no vote', () => {
    const h = new Harness({ ids: IDS, preVote: true, autoPersist: false });
    const poll: Message = { type: 'PreVote', from: 'a', to: 'b', term: 1, lastLogIndex: 0, lastLogTerm: 0 };
    h.step('b', { type: 'message', message: poll });
    expect(h.pendingPersists.get('b')).toEqual([]);
    expect(h.core('b').view()).toMatchObject({ term: 0, vote: null });
    expect(h.network).toEqual([{ type: 'PreVoteResponse', from: 'b', to: 'a', term: 1, granted: true }]);
  });
});

describe('leadership transfer (dissertation §3.10)', () => {
  it('an up-to-date target takes over at once, one term later, with no election timeout', () => {
    const { h, leader } = steady(true);
    const term = h.core(leader).view().term;
    const target = IDS.find((id) => id !== leader)!;
    h.step(leader, { type: 'transferLeadership', id: 7, target });
    expect(h.network.filter((m) => m.type === 'TimeoutNow').map((m) => m.to)).toEqual([target]);
    h.deliverAll();
    expect(h.leaders()).toEqual([target]);
    expect(h.core(target).view().term).toBe(term + 1);
    expect(h.leaderTransfers.get(leader)).toEqual([{ id: 7, outcome: 'transferred', target }]);
  });

  it('a lagging target is brought up to date first, then told to campaign', () => {
    const { h, leader } = steady(true);
    const target = IDS.find((id) => id !== leader)!;
    h.block(leader, target);
    h.propose(leader, 'x', 'y');
    h.deliverAll();
    h.heal();
    h.step(leader, { type: 'transferLeadership', id: 1, target });
    expect(h.network.some((m) => m.type === 'TimeoutNow')).toBe(false);
    runUntil(h, () => h.leaders()[0] === target, 50);
    expect(h.core(target).view().lastIndex).toBeGreaterThanOrEqual(h.core(leader).view().lastIndex);
  });

  it('with no target named, the most up-to-date follower is chosen', () => {
    const { h, leader } = steady(true);
    const [behind, ahead] = IDS.filter((id) => id !== leader);
    h.block(leader, behind!);
    h.propose(leader, 'x');
    h.deliverAll();
    h.step(leader, { type: 'transferLeadership', id: 2, target: null });
    expect(h.network.filter((m) => m.type === 'TimeoutNow').map((m) => m.to)).toEqual([ahead]);
  });

  it('refuses proposals while handing over (naming itself: the client edge says TRYAGAIN), and takes them again once the transfer is given up', () => {
    const { h, leader } = steady(true);
    const target = IDS.find((id) => id !== leader)!;
    h.isolate(target);
    h.step(leader, { type: 'transferLeadership', id: 3, target });
    h.propose(leader, 'during');
    expect(h.refused.get(leader)).toEqual([{ id: 1000, kind: 'proposal', leader }]);
    h.tick(leader, 10);
    expect(h.leaderTransfers.get(leader)).toEqual([
      { id: 3, outcome: 'refused', code: 'TRANSFER_TIMEOUT', detail: `${target} did not take over within an election timeout` },
    ]);
    h.propose(leader, 'after');
    expect(h.accepted.get(leader)!.map((a) => a.id)).toEqual([1000]);
    expect(h.core(leader).view().role).toBe('leader');
  });

  it('refuses with a code: not the leader, an unknown member, itself, a transfer already under way', () => {
    const { h, leader } = steady(true);
    const follower = IDS.find((id) => id !== leader)!;
    const other = IDS.find((id) => id !== leader && id !== follower)!;
    h.step(follower, { type: 'transferLeadership', id: 1, target: null });
    h.step(leader, { type: 'transferLeadership', id: 2, target: 'zz' });
    h.step(leader, { type: 'transferLeadership', id: 3, target: leader });
    h.isolate(follower);
    h.step(leader, { type: 'transferLeadership', id: 4, target: follower });
    h.step(leader, { type: 'transferLeadership', id: 5, target: other });
    const codes = (id: string): string[] => h.leaderTransfers.get(id)!.map((t) => (t.outcome === 'refused' ? `${t.id}:${t.code}` : `${t.id}:ok`));
    expect(codes(follower)).toEqual(['1:NOT_LEADER']);
    expect(codes(leader)).toEqual(['2:UNKNOWN_MEMBER', '3:ALREADY_LEADER', '5:TRANSFER_IN_PROGRESS']);
  });

  it('a TimeoutNow from anyone but the current leader is ignored', () => {
    const { h, leader } = steady(true);
    const [x, y] = IDS.filter((id) => id !== leader);
    const term = h.core(x!).view().term;
    h.step(x!, { type: 'message', message: { type: 'TimeoutNow', from: y!, to: x!, term } });
    expect(h.core(x!).view()).toMatchObject({ role: 'follower', term, leader });
  });
});

describe("a closed connection to the leader (a crashed leader's kernel closes its sockets)", () => {
  /** Ticks only the followers of a dead leader, delivering among them, until one leads or the limit. */
  function ticksToNewLeader(h: Harness, dead: string, limit: number): number {
    const survivors = IDS.filter((id) => id !== dead);
    for (let tick = 1; tick <= limit; tick++) {
      for (const id of survivors) h.tick(id);
      h.deliverAll();
      if (survivors.some((id) => h.core(id).view().role === 'leader')) return tick;
    }
    return Number.POSITIVE_INFINITY;
  }

  it('followers told their leader disconnected elect a new one within a heartbeat or two, not an election timeout, for every seed', () => {
    // Default harness timing: heartbeat 2 ticks, election timeout 10-20 ticks. The survivors
    // take turns a heartbeat apart (the first after one tick), so they never split the vote.
    for (let seed = 1; seed <= 40; seed++) {
      const h = new Harness({ ids: IDS, preVote: true, seed });
      const leader = h.electLeader();
      h.tick(leader, 2);
      h.deliverAll();
      const term = h.core(leader).view().term;
      h.isolate(leader);
      for (const id of IDS) if (id !== leader) h.step(id, { type: 'peerDisconnected', peer: leader });
      expect(ticksToNewLeader(h, leader, 100), `seed ${seed}`).toBe(1);
      const next = IDS.find((id) => id !== leader && h.core(id).view().role === 'leader')!;
      expect(next, 'the first in id order stands first').toBe(IDS.filter((id) => id !== leader)[0]);
      expect(h.core(next).view().term).toBe(term + 1);
    }
  });

  it('without the hint the same followers wait out an election timeout', () => {
    const { h, leader } = steady(true);
    h.isolate(leader);
    expect(ticksToNewLeader(h, leader, 100)).toBeGreaterThanOrEqual(10);
  });

  it("a false alarm costs nothing: the others still hear the leader and refuse the pre-vote; the leader's next heartbeat restores it", () => {
    const { h, leader } = steady(true);
    const term = h.core(leader).view().term;
    const [alarmed] = IDS.filter((id) => id !== leader);
    h.step(alarmed!, { type: 'peerDisconnected', peer: leader });
    expect(h.core(alarmed!).view().leader).toBeNull();
    for (let i = 0; i < 60; i++) {
      h.tickAll();
      h.deliverAll();
    }
    for (const id of IDS) expect(h.core(id).view()).toMatchObject({ term, leader });
  });

  it('the hint about a peer that is not our leader, or under lease reads, changes nothing', () => {
    for (const leaseReads of [false, true]) {
      const h = new Harness({ ids: IDS, preVote: true, seed: 3, leaseReads });
      const leader = h.electLeader();
      h.tick(leader, 2);
      h.deliverAll();
      const [follower, other] = IDS.filter((id) => id !== leader);
      h.step(follower!, { type: 'peerDisconnected', peer: leaseReads ? leader : other! });
      expect(h.core(follower!).view().leader).toBe(leader);
      h.isolate(leader);
      // Lease reads: the follower must wait out the lease, so no election before electionTicksMin.
      expect(ticksToNewLeader(h, leader, 100)).toBeGreaterThanOrEqual(10);
    }
  });
});

describe('ticksUntilDue: what the node timer may sleep through', () => {
  /** Ticks node `id` up to its due tick: the ones before change nothing it shows or sends; returns what the due one did. */
  function tickToDue(h: Harness, id: string): { sent: number; view: CoreView } {
    const due = h.core(id).ticksUntilDue();
    expect(due).toBeGreaterThanOrEqual(1);
    const before = h.core(id).view();
    const sentBefore = h.network.length;
    h.tick(id, due - 1);
    expect(h.network.length).toBe(sentBefore);
    expect(h.core(id).view()).toEqual(before);
    h.tick(id);
    return { sent: h.network.length - sentBefore, view: h.core(id).view() };
  }

  it('a leader: the due tick sends the heartbeat, none before it does anything', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const h = new Harness({ ids: IDS, preVote: true, seed });
      const leader = h.electLeader();
      h.deliverAll();
      h.network = [];
      for (let round = 0; round < 5; round++) {
        expect(tickToDue(h, leader).sent).toBeGreaterThan(0);
        h.deliverAll();
      }
    }
  });

  it('a follower cut off from its leader: the due tick starts its pre-vote, none before it does anything', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const h = new Harness({ ids: IDS, preVote: true, seed });
      const leader = h.electLeader();
      h.deliverAll();
      const follower = IDS.find((id) => id !== leader)!;
      h.isolate(follower);
      h.network = [];
      const { sent, view } = tickToDue(h, follower);
      expect(view.role).toBe('precandidate');
      expect(sent).toBeGreaterThan(0);
    }
  });
});
