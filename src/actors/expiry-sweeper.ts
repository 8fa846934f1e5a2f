/**
 * The leader's expiry sweep: expired keys are deleted through the log, so
 * every replica deletes the same keys at the same point. Every
 * SWEEP_INTERVAL_TICKS the leader asks its state machine for a page of keys
 * past their expiry by its clock (resuming where the last page ended, so the
 * whole key space is visited in turn with bounded work per sweep), and
 * proposes an `expire-keys` entry carrying that time; applying it deletes
 * each key only if it has expired by the entry's time.
 *
 * Reads never wait for the sweep: a key past its expiry is absent to every
 * read by the serving node's clock (src/kv/query.ts).
 *
 * Deterministic like the client actor: driven by ticks, with the query
 * result (an input) bringing the clock. Its request ids are negative, so they
 * never meet the client actor's.
 */
import type { MessageBus } from '../bus/bus.js';
import { encodeCommand } from '../kv/codec.js';
import type { Role } from '../raft/ready.js';

/** Ticks between sweeps, and keys examined per sweep. */
export const SWEEP_INTERVAL_TICKS = 10;
export const SWEEP_KEYS_PER_PAGE = 200;

export class ExpirySweeper {
  private role: Role = 'follower';
  private ticks = 0;
  private inFlight: number | null = null;
  private after: Uint8Array | null = null;
  private nextId = -1;

  constructor(private readonly bus: MessageBus) {
    bus.on('raft.status', (e) => (this.role = e.role));
    bus.on('timer.tick', () => this.tick());
    bus.on('storage.queryResult', (e) => {
      if (e.id !== this.inFlight || e.result.type !== 'expired') return;
      this.inFlight = null;
      this.after = e.result.next;
      if (e.result.keys.length > 0 && this.role === 'leader') {
        const data = encodeCommand({ op: 'expire-keys', keys: e.result.keys, now: e.result.now });
        this.bus.publish({ type: 'raft.propose', proposals: [{ id: this.nextId--, data }] });
      }
    });
  }

  private tick(): void {
    if (++this.ticks % SWEEP_INTERVAL_TICKS !== 0 || this.role !== 'leader' || this.inFlight !== null) return;
    this.inFlight = this.nextId--;
    this.bus.publish({ type: 'storage.query', id: this.inFlight, query: { op: 'expired', after: this.after, count: SWEEP_KEYS_PER_PAGE } });
  }
}
