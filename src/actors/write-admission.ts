/**
 * Fair admission of client writes into the log. The log is one FIFO for the
 * whole node: a write proposed behind ten thousand others is answered after
 * all of them are committed and applied. So writes are proposed only while
 * fewer than `writesMax` (and `bytesMax` of commands) are in flight, proposed
 * and not yet answered; the rest wait here, one queue per connection, and
 * connections take turns as room frees up. A connection pipelining thousands
 * of writes then delays another's write by one of its own per turn plus what
 * is already in flight, instead of by its whole backlog.
 *
 * The bound trades a flood's hold on others against pipelined throughput:
 * the default (1,024) sits above the 800 writes `redis-benchmark -c 50 -P 16`
 * keeps in flight, where 256 measurably cut it (docs/security.md).
 *
 * Pure bookkeeping, like ConnectionOrder: the caller says what is ready and
 * what finished, and is told which writes may be proposed now.
 */
import { TurnQueues } from './turn-queues.js';

export interface WriteAdmissionLimits {
  /** Writes proposed and not yet answered, at most. */
  readonly writesMax: number;
  /** Their encoded commands' bytes, at most; one write alone is always admitted, however large. */
  readonly bytesMax: number;
}

interface WaitingWrite {
  readonly id: number;
  readonly bytes: number;
}

export class WriteAdmission<Conn> {
  /** Writes waiting for room, one queue per connection, taking turns. */
  private readonly waiting = new TurnQueues<Conn, WaitingWrite>();
  /** Where each waiting write is queued, to withdraw it. */
  private readonly waitingConn = new Map<number, Conn>();
  /** Admitted writes and their bytes, until released. */
  private readonly inFlight = new Map<number, number>();
  private bytesInFlight = 0;

  constructor(private readonly limits: WriteAdmissionLimits) {}

  /**
   * A write is ready to be proposed: whether it may be at once. When not, it
   * waits its connection's turn and comes back from release().
   */
  offer(conn: Conn, id: number, bytes: number): boolean {
    // Nobody may overtake writes already waiting, or a steady stream of small writes could starve them.
    if (this.waiting.isEmpty() && this.hasRoomFor(bytes)) {
      this.admit(id, bytes);
      return true;
    }
    this.waiting.push(conn, { id, bytes });
    this.waitingConn.set(id, conn);
    return false;
  }

  /** An admitted write was answered (or given up): returns the waiting writes that may be proposed now, in turn order. */
  release(id: number): number[] {
    const bytes = this.inFlight.get(id);
    if (bytes === undefined) return [];
    this.inFlight.delete(id);
    this.bytesInFlight -= bytes;
    return this.admitWaiting();
  }

  /** A waiting write is given up (it timed out, or the node is shutting down): it no longer waits. */
  withdraw(id: number): void {
    const conn = this.waitingConn.get(id);
    if (conn === undefined) return;
    this.waitingConn.delete(id);
    this.waiting.remove(conn, (w) => w.id === id);
  }

  /** Whether the write is waiting here for room (not yet admitted). */
  isWaiting(id: number): boolean {
    return this.waitingConn.has(id);
  }

  /** Writes admitted and not yet released. */
  inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Writes waiting for room, all connections together. */
  waitingCount(): number {
    return this.waitingConn.size;
  }

  private hasRoomFor(bytes: number): boolean {
    if (this.inFlight.size === 0) return true;
    return this.inFlight.size < this.limits.writesMax && this.bytesInFlight + bytes <= this.limits.bytesMax;
  }

  private admit(id: number, bytes: number): void {
    this.inFlight.set(id, bytes);
    this.bytesInFlight += bytes;
  }

  private admitWaiting(): number[] {
    const admitted: number[] = [];
    for (let next = this.waiting.peek(); next !== undefined; next = this.waiting.peek()) {
      // The write whose turn it is waits for room; none behind it overtakes it.
      if (!this.hasRoomFor(next.bytes)) break;
      this.waiting.take();
      this.waitingConn.delete(next.id);
      this.admit(next.id, next.bytes);
      admitted.push(next.id);
    }
    return admitted;
  }
}
