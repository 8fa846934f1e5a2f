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
 * A page with nothing expired doubles the wait before the next one, up to
 * SWEEP_INTERVAL_MAX_TICKS; a page that finds expired keys returns it to
 * SWEEP_INTERVAL_TICKS. A store whose keys have no expiry (the common case,
 * and any idle cluster) is then read a page a second instead of ten, which was
 * about 5 % of a busy leader's CPU (scanning and decoding 2,000 records a
 * second). Memory held by expired keys is reclaimed a little later; no read
 * ever sees them.
 *
 * Deterministic like the client actor: driven by ticks, with the query
 * result (an input) bringing the clock. Its request ids are negative, so they
 * never meet the client actor's.
 */
import type { MessageBus } from '../bus/bus.js';
import { encodeCommand } from '../kv/codec.js';
import type { Role } from '../raft/ready.js';

/** Ticks between sweeps while pages find expired keys, the longest wait between them, and keys examined per sweep. */
export const SWEEP_INTERVAL_TICKS = 10;
export const SWEEP_INTERVAL_MAX_TICKS = 100;
export const SWEEP_KEYS_PER_PAGE = 200;

export class ExpirySweeper {
  private role: Role = 'follower';
  /** Ticks since the last sweep was asked for, and how many to wait before the next. */
  private ticks = 0;
  private interval = SWEEP_INTERVAL_TICKS;
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
      this.interval = e.result.keys.length > 0 ? SWEEP_INTERVAL_TICKS : Math.min(this.interval * 2, SWEEP_INTERVAL_MAX_TICKS);
      if (e.result.keys.length > 0 && this.role === 'leader') {
        const data = encodeCommand({ op: 'expire-keys', keys: e.result.keys, now: e.result.now });
        this.bus.publish({ type: 'raft.propose', proposals: [{ id: this.nextId--, data }] });
      }
    });
  }

  private tick(): void {
    if (++this.ticks < this.interval || this.role !== 'leader' || this.inFlight !== null) return;
    this.ticks = 0;
    this.inFlight = this.nextId--;
    this.bus.publish({ type: 'storage.query', id: this.inFlight, query: { op: 'expired', after: this.after, count: SWEEP_KEYS_PER_PAGE } });
  }
}
