/**
 * One chaos client: a closed loop of single requests over a raw RespConnection, which
 * never retries, so every operation has exactly one outcome. It follows MOVED to the
 * leader for its next operation, and moves to another node after a connection
 * problem. Values are unique per run ("c3-17"), as the checker's bounding of unknown
 * operations assumes.
 */
import type { Operation, OpKind } from '../check/history.js';
import { RespConnection } from '../client/connection.js';
import { classifyError, classifyReply, type Outcome } from './outcome.js';
import type { HistoryRecorder } from './recorder.js';
import type { Rng } from './rng.js';
import { sleep } from './wait.js';

export interface ClientOptions {
  readonly id: number;
  /** The nodes' client addresses: a fixed list, or the members of the moment (they change under the membership nemesis). */
  readonly addresses: readonly string[] | (() => readonly string[]);
  readonly keys: readonly string[];
  /** Per request; past it the outcome is unknown. */
  readonly timeoutMs: number;
  /** Pause after a refused request, so a client facing a dead node does not spin. */
  readonly backoffMs: number;
  /** Least time between two invocations of this client (0: back to back), to bound the history's size. */
  readonly intervalMs: number;
}

/** The last value seen per key, shared by all clients to give CAS a fair chance to swap. */
export type Sightings = Map<string, string | null>;

export class ChaosClient {
  private target: string;
  private connection: RespConnection | null = null;
  private seq = 0;

  constructor(
    private readonly options: ClientOptions,
    private readonly recorder: HistoryRecorder,
    private readonly rng: Rng,
    private readonly seen: Sightings,
  ) {
    this.target = rng.pick(this.addresses());
  }

  async run(signal: AbortSignal): Promise<void> {
    try {
      while (!signal.aborted) {
        const started = performance.now();
        const outcome = await this.step();
        const paced = this.options.intervalMs - (performance.now() - started);
        await sleep(Math.max(paced, outcome.status === 'ok' ? 0 : this.options.backoffMs), signal);
      }
    } finally {
      this.connection?.destroy();
    }
  }

  /** One operation, start to finish. */
  async step(): Promise<Outcome> {
    const key = this.rng.pick(this.options.keys);
    const op = this.recorder.invoke(this.nextInvocation(key));
    const outcome = await this.execute(op);
    this.recorder.complete(op, outcome);
    this.learn(op, outcome);
    return outcome;
  }

  private nextInvocation(key: string): { client: number; key: string; kind: OpKind; value?: string; expected?: string } {
    const client = this.options.id;
    const roll = this.rng.float();
    const known = this.seen.get(key);
    if (roll < 0.4) return { client, key, kind: 'read' };
    const value = `c${client}-${this.seq++}`;
    if (roll < 0.75 || known === undefined || known === null) return { client, key, kind: 'write', value };
    return { client, key, kind: 'cas', expected: known, value };
  }

  private async execute(op: Operation): Promise<Outcome> {
    let connection: RespConnection;
    try {
      connection = await this.connect();
    } catch (error) {
      this.moveOn();
      return classifyError(error, false);
    }
    // A connection already known dead refuses at once, before anything is written.
    if (!connection.isOpen) return classifyError(new Error('connection closed'), false);
    try {
      const reply = await connection.send(command(op), { timeoutMs: this.options.timeoutMs });
      const outcome = classifyReply(op.kind, reply);
      if (outcome.status === 'fail' && outcome.redirect !== undefined) this.redirect(outcome.redirect);
      else if (outcome.status !== 'ok') this.moveOn();
      return outcome;
    } catch (error) {
      this.moveOn();
      return classifyError(error, true);
    }
  }

  private async connect(): Promise<RespConnection> {
    if (this.connection?.isOpen) return this.connection;
    this.connection = null;
    this.connection = await RespConnection.connect(this.target, { connectTimeoutMs: this.options.timeoutMs, requestTimeoutMs: this.options.timeoutMs });
    return this.connection;
  }

  private redirect(address: string): void {
    if (address === this.target) return;
    this.connection?.destroy();
    this.connection = null;
    this.target = address;
  }

  /** After a refusal, timeout or broken connection: try another node next (a fresh connection). */
  private moveOn(): void {
    this.connection?.destroy();
    this.connection = null;
    const others = this.addresses().filter((a) => a !== this.target);
    if (others.length > 0) this.target = this.rng.pick(others);
  }

  private addresses(): readonly string[] {
    const { addresses } = this.options;
    return typeof addresses === 'function' ? addresses() : addresses;
  }

  private learn(op: Operation, outcome: Outcome): void {
    if (outcome.status !== 'ok') return;
    if (op.kind === 'read') this.seen.set(op.key, outcome.output ?? null);
    else if (op.kind === 'write' || outcome.swapped === true) this.seen.set(op.key, op.value ?? null);
  }
}

function command(op: Operation): string[] {
  switch (op.kind) {
    case 'read':
      return ['GET', op.key];
    case 'write':
      return ['SET', op.key, op.value ?? ''];
    case 'cas':
      return ['CAS', op.key, op.expected ?? '', op.value ?? ''];
    case 'delete':
      return ['DEL', op.key];
  }
}
