/**
 * Fair admission of writes (issue 10: a well-behaved client keeps being
 * served under a write flood). The bookkeeping on its own, then in the
 * Client actor: a write sent behind another connection's pipelined thousand
 * goes into the log after writesInFlightMax of them, not after all.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WriteAdmission } from '../../src/actors/write-admission.js';
import { ClientActor } from '../../src/actors/client.js';
import { MessageBus, synchronousScheduler } from '../../src/bus/bus.js';
import { DEFAULT_LIMITS } from '../../src/config/types.js';

describe('WriteAdmission', () => {
  it('admits at once while there is room, then queues; a release admits the next in line', () => {
    const admission = new WriteAdmission<string>({ writesMax: 2, bytesMax: 1_000 });
    expect(admission.offer('a', 1, 10)).toBe(true);
    expect(admission.offer('a', 2, 10)).toBe(true);
    expect(admission.offer('a', 3, 10)).toBe(false);
    expect(admission.offer('b', 4, 10)).toBe(false);
    expect(admission.waitingCount()).toBe(2);
    expect(admission.release(1)).toEqual([3]);
    expect(admission.release(2)).toEqual([4]);
    expect(admission.release(99)).toEqual([]); // never admitted: nothing changes
    expect(admission.inFlightCount()).toBe(2);
  });

  it('connections take turns: a newcomer waits behind one write of each backlog, not all of them', () => {
    const admission = new WriteAdmission<string>({ writesMax: 1, bytesMax: 1_000 });
    expect(admission.offer('flood', 1, 10)).toBe(true);
    for (let id = 2; id <= 100; id++) admission.offer('flood', id, 10);
    admission.offer('probe', 1000, 10);
    expect(admission.release(1)).toEqual([2]);
    expect(admission.release(2)).toEqual([1000]);
    expect(admission.release(1000)).toEqual([3]);
  });

  it('bounds bytes in flight, but a write larger than the bound goes alone rather than never', () => {
    const admission = new WriteAdmission<string>({ writesMax: 10, bytesMax: 100 });
    expect(admission.offer('a', 1, 60)).toBe(true);
    expect(admission.offer('b', 2, 60)).toBe(false);
    expect(admission.release(1)).toEqual([2]);
    expect(admission.offer('c', 3, 500)).toBe(false);
    expect(admission.release(2)).toEqual([3]);
    expect(admission.offer('d', 4, 1)).toBe(false); // waits: the big one is alone
    expect(admission.release(3)).toEqual([4]);
  });

  it('a withdrawn write is never admitted and holds nothing up', () => {
    const admission = new WriteAdmission<string>({ writesMax: 1, bytesMax: 1_000 });
    admission.offer('a', 1, 10);
    admission.offer('b', 2, 10);
    admission.offer('b', 3, 10);
    admission.offer('c', 4, 10);
    admission.withdraw(2);
    admission.withdraw(4);
    expect(admission.isWaiting(2)).toBe(false);
    expect(admission.release(1)).toEqual([3]);
    expect(admission.waitingCount()).toBe(0);
  });

  it('for any offers and releases: within bounds, each connection in its order, and turns taken', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('offer' as const), conn: fc.integer({ min: 0, max: 4 }), bytes: fc.integer({ min: 1, max: 300 }) }),
      fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('withdraw' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 600 }), fc.array(step, { maxLength: 200 }), (writesMax, bytesMax, steps) => {
        const admission = new WriteAdmission<number>({ writesMax, bytesMax });
        const bytesOf = new Map<number, number>();
        const connOf = new Map<number, number>();
        const inFlight: number[] = [];
        const waiting: number[] = [];
        const admittedPerConn = new Map<number, number[]>();
        const offeredPerConn = new Map<number, number[]>();
        let nextId = 1;
        const admitted = (ids: number[]) => {
          for (const id of ids) {
            inFlight.push(id);
            waiting.splice(waiting.indexOf(id), 1);
            const conn = connOf.get(id)!;
            admittedPerConn.set(conn, [...(admittedPerConn.get(conn) ?? []), id]);
          }
          const total = inFlight.reduce((sum, id) => sum + bytesOf.get(id)!, 0);
          expect(inFlight.length <= writesMax || inFlight.length === 1).toBe(true);
          expect(total <= bytesMax || inFlight.length === 1).toBe(true);
        };
        for (const s of steps) {
          if (s.kind === 'offer') {
            const id = nextId++;
            bytesOf.set(id, s.bytes);
            connOf.set(id, s.conn);
            offeredPerConn.set(s.conn, [...(offeredPerConn.get(s.conn) ?? []), id]);
            waiting.push(id);
            if (admission.offer(s.conn, id, s.bytes)) admitted([id]);
          } else if (s.kind === 'release' && inFlight.length > 0) {
            const id = inFlight.splice(s.pick % inFlight.length, 1)[0]!;
            const released = admission.release(id);
            // One release admits each connection at most once before all waiting connections had a turn.
            const conns = released.map((r) => connOf.get(r)!);
            const waitingConns = new Set(waiting.filter((w) => !released.includes(w)).map((w) => connOf.get(w)!));
            for (const conn of new Set(conns)) {
              if (conns.filter((c) => c === conn).length > 1) expect(waitingConns.size).toBe(0);
            }
            admitted(released);
          } else if (s.kind === 'withdraw' && waiting.length > 0) {
            const id = waiting.splice(s.pick % waiting.length, 1)[0]!;
            admission.withdraw(id);
            const conn = connOf.get(id)!;
            offeredPerConn.set(conn, offeredPerConn.get(conn)!.filter((o) => o !== id));
          }
          expect(admission.inFlightCount()).toBe(inFlight.length);
          expect(admission.waitingCount()).toBe(waiting.length);
          // Nothing waits while there is room for it and nobody is ahead of it.
          if (waiting.length > 0) expect(inFlight.length).toBeGreaterThan(0);
        }
        // Each connection's writes were admitted in the order it offered them.
        for (const [conn, ids] of admittedPerConn) {
          const offered = offeredPerConn.get(conn)!;
          expect(ids).toEqual(offered.filter((id) => ids.includes(id)));
        }
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * The Client actor with a log that commits what it is given in order, one
 * entry per step: what the flood's writes and the probe's see.
 */
function clientActorWithLog(writesInFlightMax: number, limits: { pendingRequestsMax?: number; pendingWriteBytesMax?: number } = {}) {
  const bus = new MessageBus(synchronousScheduler);
  new ClientActor(bus, {
    nodeId: 'n1',
    members: [{ id: 'n1', peer: '127.0.0.1:1', client: '127.0.0.1:2' }],
    config: null,
    pendingRequestsMax: limits.pendingRequestsMax ?? DEFAULT_LIMITS.pendingRequestsMax,
    pendingWriteBytesMax: limits.pendingWriteBytesMax ?? DEFAULT_LIMITS.pendingWriteBytesMax,
    writesInFlightMax,
    writeBytesInFlightMax: DEFAULT_LIMITS.writeBytesInFlightMax,
    requestTimeoutTicks: 1_000,
    appliedIndex: 0,
  });
  const log: number[] = [];
  const replies: Array<{ conn: number; seq: number; text: string }> = [];
  bus.on('raft.propose', (e) => {
    const accepted = e.proposals.map((p) => ({ id: p.id, index: log.push(p.id), term: 1 }));
    bus.publish({ type: 'raft.outcomes', accepted, refused: [], readsReady: [], leaderTransfers: [], membershipChanges: [] });
  });
  bus.on('client.reply', (e) => replies.push({ conn: e.conn, seq: e.seq, text: e.reply.type === 'error' ? e.reply.message : e.reply.type }));
  let applied = 0;
  return {
    bus,
    log,
    replies,
    write: (conn: number, seq: number, value = String(seq)) =>
      bus.publish({ type: 'client.request', conn, seq, request: { kind: 'write', command: { op: 'set', key: Buffer.from(`k${conn}`), value: Buffer.from(value) } } }),
    /** Commits and applies the next entry in the log, if any. */
    applyOne: (): boolean => {
      if (applied >= log.length) return false;
      applied++;
      bus.publish({ type: 'storage.applied', index: applied, results: [{ index: applied, term: 1, result: null }] });
      return true;
    },
  };
}

describe('the Client actor under a write flood', () => {
  it("puts another connection's write into the log after writesInFlightMax of a pipelined thousand, not after all of them", () => {
    const node = clientActorWithLog(8);
    for (let seq = 1; seq <= 1_000; seq++) node.write(1, seq);
    node.write(2, 1);
    expect(node.log).toHaveLength(8); // the rest wait their turn on the node
    while (node.applyOne());
    // The probe's write went in after the 8 in flight and one more of the flood's: its turn came next.
    const probeAt = node.replies.findIndex((r) => r.conn === 2);
    expect(probeAt).toBe(9);
    // Every write was answered, each connection's in the order it sent them.
    expect(node.replies).toHaveLength(1_001);
    const flood = node.replies.filter((r) => r.conn === 1).map((r) => r.seq);
    expect(flood).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 1));
  });

  it('with a bound larger than the flood, the probe queues behind all of it (the FIFO the bound exists to cut)', () => {
    const node = clientActorWithLog(2_000);
    for (let seq = 1; seq <= 1_000; seq++) node.write(1, seq);
    node.write(2, 1);
    expect(node.log).toHaveLength(1_001);
    while (node.applyOne());
    expect(node.replies.findIndex((r) => r.conn === 2)).toBe(1_000);
  });

  it('when the node is full, a connection holding few requests is still admitted (a sixteenth is kept for them); a flooding one gets BUSY', () => {
    const node = clientActorWithLog(8, { pendingRequestsMax: 160 });
    for (let seq = 1; seq <= 200; seq++) node.write(1, seq);
    const busy = node.replies.filter((r) => r.conn === 1 && r.text.startsWith('BUSY'));
    expect(busy).toHaveLength(40);
    expect(busy[0]!.text).toMatch(/over pendingRequestsMax \(160\)/);
    for (let conn = 2; conn <= 11; conn++) node.write(conn, 1); // each holds fewer than 4: the reserve
    expect(node.replies.filter((r) => r.conn >= 2)).toEqual([]);
    node.write(12, 1); // the reserve (160 / 16 = 10) is used up
    expect(node.replies.filter((r) => r.conn === 12).map((r) => r.text)[0]).toMatch(/^BUSY/);
    while (node.applyOne());
    expect(node.replies.filter((r) => r.conn >= 2 && r.conn <= 11 && !r.text.startsWith('BUSY'))).toHaveLength(10);
  });

  it('bounds the bytes of pending writes (pendingWriteBytesMax), admitting one write alone however large', () => {
    const node = clientActorWithLog(8, { pendingWriteBytesMax: 10_000 });
    node.write(1, 1, 'x'.repeat(50_000)); // alone: admitted
    node.write(2, 1, 'small');
    expect(node.replies.map((r) => r.text)).toEqual([expect.stringMatching(/^BUSY .*pendingWriteBytesMax \(10000\)/)]);
    while (node.applyOne());
    node.write(2, 2, 'small');
    while (node.applyOne());
    expect(node.replies.slice(1).map((r) => r.text)).toEqual(['simple', 'simple']);
  });

  it('on shutdown answers every write and proposes none of those still waiting their turn', () => {
    const node = clientActorWithLog(8);
    for (let seq = 1; seq <= 100; seq++) node.write(1, seq);
    const proposed = node.log.length;
    node.bus.publish({ type: 'client.abort', reason: 'node shutting down' });
    expect(node.log).toHaveLength(proposed);
    expect(node.replies).toHaveLength(100);
    expect(new Set(node.replies.map((r) => r.text))).toEqual(new Set(['ERR node shutting down']));
  });
});
