/**
 * Configuration entries come from peers and from disk: decoding never
 * throws, and names what is wrong with a malformed one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Packr } from 'msgpackr';
import { decodeConfig, encodeConfig, MEMBERS_MAX, type ClusterConfig } from '../../src/raft/membership/config.js';
import { applyChange } from '../../src/raft/membership/change.js';

const packr = new Packr({ useRecords: false });
const THREE: ClusterConfig = {
  members: ['n1', 'n2', 'n3'].map((id, i) => ({ id, role: 'voter' as const, peer: `127.0.0.1:${7101 + i}`, client: `127.0.0.1:${7001 + i}` })),
  removed: [],
};

describe('configuration entries', () => {
  it('round-trip', () => {
    const decoded = decodeConfig(encodeConfig(THREE));
    expect(decoded).toEqual({ ok: true, config: THREE });
  });

  it.each([
    ['not msgpack', new Uint8Array([0xc1])],
    ['not a map', packr.pack([1, 2])],
    ['a member without an id', packr.pack({ members: [{ role: 'voter', peer: '', client: '' }], removed: [] })],
    ['an unknown role', packr.pack({ members: [{ id: 'x', role: 'king', peer: '', client: '' }], removed: [] })],
    ['a duplicate member', packr.pack({ members: [THREE.members[0], THREE.members[0]], removed: [] })],
    ['a member also removed', packr.pack({ members: [THREE.members[0]], removed: ['n1'] })],
    ['too many members', packr.pack({ members: Array.from({ length: MEMBERS_MAX + 1 }, (_, i) => ({ id: `m${i}`, role: 'voter', peer: '', client: '' })), removed: [] })],
  ])('refuses %s with a reason', (_, bytes) => {
    const decoded = decodeConfig(bytes);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.problem).toMatch(/^configuration entry /);
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      expect(typeof decodeConfig(bytes).ok).toBe('boolean');
    }));
  });
});

describe('applyChange', () => {
  it('adds a learner, promotes it, removes a member for good', () => {
    const added = applyChange(THREE, { kind: 'addLearner', member: { id: 'n4', peer: '127.0.0.1:7104', client: '127.0.0.1:7004' } });
    expect(added.ok).toBe(true);
    if (!added.ok) return;
    const promoted = applyChange(added.config, { kind: 'promote', id: 'n4' });
    expect(promoted.ok && promoted.config.members.find((m) => m.id === 'n4')!.role).toBe('voter');
    if (!promoted.ok) return;
    const removed = applyChange(promoted.config, { kind: 'remove', id: 'n1' });
    expect(removed.ok && removed.config.removed).toEqual(['n1']);
  });

  it('refuses an address another member uses, and the last voter', () => {
    expect(applyChange(THREE, { kind: 'addLearner', member: { id: 'n4', peer: '127.0.0.1:7101', client: '127.0.0.1:7004' } })).toMatchObject({ ok: false, code: 'MEMBER_EXISTS' });
    const one: ClusterConfig = { members: [THREE.members[0]!], removed: [] };
    expect(applyChange(one, { kind: 'remove', id: 'n1' })).toMatchObject({ ok: false, code: 'WOULD_LOSE_QUORUM' });
  });
});
