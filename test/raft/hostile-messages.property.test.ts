/**
 * Structurally valid but semantically hostile messages, stepped straight into
 * the cores of a working 3-node cluster between rounds of honest traffic: no
 * input reaches an assertion, no node's term passes TERM_MAX, and every message
 * an honest core sends passes the checks the transport edge applies, so the
 * edge never refuses honest traffic.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { messageRelationProblem, TERM_JUMP_MAX, TERM_MAX } from '../../src/raft/message-checks.js';
import type { Message } from '../../src/raft/types.js';
import { hostileBody } from '../support/hostile-messages.js';
import { Harness } from './harness.js';

const IDS = ['a', 'b', 'c'] as const;

const step = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('hostile' as const), to: fc.constantFrom(...IDS), from: fc.constantFrom(...IDS), body: hostileBody(12) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('honest' as const), ticks: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('write' as const), to: fc.constantFrom(...IDS) }) },
);

describe('hostile messages stepped into the core', () => {
  it('never trip an assertion, never lift a term past TERM_MAX, and honest traffic always passes the edge checks', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), fc.boolean(), (steps, leaseReads) => {
        const h = new Harness({ ids: IDS, leaseReads });
        h.electLeader();
        h.propose(h.leaders()[0]!, 'x=1', 'y=2');
        h.deliverAll();
        for (const s of steps) {
          if (s.kind === 'hostile') {
            if (s.from === s.to) continue; // the transport never delivers those (it refuses its own id)
            h.step(s.to, { type: 'message', message: { ...s.body, from: s.from, to: s.to } as Message });
          } else if (s.kind === 'write') {
            h.propose(s.to, 'w');
          } else {
            for (let i = 0; i < s.ticks; i++) h.tickAll();
          }
          for (const message of h.network) expect(messageRelationProblem(message)).toBeNull();
          h.deliverAll(2_000);
          for (const id of IDS) expect(h.core(id).view().term).toBeLessThanOrEqual(TERM_MAX);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a running node refuses a term more than TERM_JUMP_MAX above its own; nothing is persisted', () => {
    const h = new Harness({ ids: IDS });
    h.electLeader();
    const term = h.core('b').view().term;
    h.step('b', { type: 'message', message: { type: 'Heartbeat', from: 'c', to: 'b', term: term + TERM_JUMP_MAX + 1, commit: 0, readRound: 0 } });
    expect(h.core('b').view().term).toBe(term);
    expect(h.disks.get('b')!.hardState.term).toBe(term);
    h.step('b', { type: 'message', message: { type: 'Heartbeat', from: 'c', to: 'b', term: term + TERM_JUMP_MAX, commit: 0, readRound: 0 } });
    expect(h.core('b').view().term).toBe(term + TERM_JUMP_MAX);
  });

  it('with termJumpMax configured, a message past that bound is refused and one within it accepted', () => {
    const h = new Harness({ ids: IDS, termJumpMax: 5 });
    h.electLeader();
    const term = h.core('b').view().term;
    h.step('b', { type: 'message', message: { type: 'Heartbeat', from: 'c', to: 'b', term: term + 6, commit: 0, readRound: 0 } });
    expect(h.core('b').view().term).toBe(term);
    expect(h.disks.get('b')!.hardState.term).toBe(term);
    h.step('b', { type: 'message', message: { type: 'RequestVote', from: 'c', to: 'b', term: term + 6, lastLogIndex: 1_000, lastLogTerm: term + 5, leaderTransfer: false } });
    expect(h.core('b').view().term).toBe(term);
    h.step('b', { type: 'message', message: { type: 'Heartbeat', from: 'c', to: 'b', term: term + 5, commit: 0, readRound: 0 } });
    expect(h.core('b').view().term).toBe(term + 5);
    expect(h.disks.get('b')!.hardState.term).toBe(term + 5);
  });

  it('a fresh node accepts a term of TERM_MAX but never campaigns past it', () => {
    const h = new Harness({ ids: IDS });
    h.step('b', { type: 'message', message: { type: 'Heartbeat', from: 'c', to: 'b', term: TERM_MAX, commit: 0, readRound: 0 } });
    expect(h.core('b').view().term).toBe(TERM_MAX);
    for (let i = 0; i < 200; i++) h.tick('b');
    expect(h.core('b').view().term).toBe(TERM_MAX);
    expect(h.core('b').view().role).toBe('follower');
  });
});
