/**
 * Per-connection order of effects, as Redis gives it: a connection's
 * requests take effect in the order it sent them. Runs of requests of one
 * kind go out together (pipelined writes share a log append; pipelined reads
 * share a ReadIndex round), but a read waits until the connection's earlier
 * writes are answered, and a write waits until its earlier reads are served.
 * So a pipelined `SET k 1`, `GET k`, `DEL k`, `GET k` answers `1` then nil.
 *
 * Pure bookkeeping: the caller says what arrived and what finished, and is
 * told which requests may be started now.
 */
export type OrderedKind = 'read' | 'write';

interface ConnectionState {
  kind: OrderedKind;
  running: number;
  readonly waiting: Array<{ id: number; kind: OrderedKind }>;
}

export class ConnectionOrder<Conn> {
  private readonly states = new Map<Conn, ConnectionState>();

  /** Whether request `id` may start at once; if not it waits for release(). */
  arrive(conn: Conn, id: number, kind: OrderedKind): boolean {
    const state = this.states.get(conn);
    if (!state) {
      this.states.set(conn, { kind, running: 1, waiting: [] });
      return true;
    }
    if (state.waiting.length === 0 && (state.kind === kind || state.running === 0)) {
      state.kind = kind;
      state.running++;
      return true;
    }
    state.waiting.push({ id, kind });
    return false;
  }

  /** A started request finished; returns the ids that may start now, in order. */
  finish(conn: Conn): number[] {
    const state = this.states.get(conn);
    if (!state) return [];
    state.running--;
    if (state.running > 0) return [];
    if (state.waiting.length === 0) {
      this.states.delete(conn);
      return [];
    }
    const next = state.waiting[0]!.kind;
    let count = 0;
    while (count < state.waiting.length && state.waiting[count]!.kind === next) count++;
    const started = state.waiting.splice(0, count).map((w) => w.id);
    state.kind = next;
    state.running = started.length;
    return started;
  }

  /** A waiting request finished without starting (it timed out): it no longer holds anything up. */
  cancel(conn: Conn, id: number): number[] {
    const state = this.states.get(conn);
    if (!state) return [];
    const at = state.waiting.findIndex((w) => w.id === id);
    if (at >= 0) state.waiting.splice(at, 1);
    if (state.running > 0) return [];
    state.running = 1; // finish() below releases the next run
    return this.finish(conn);
  }
}
