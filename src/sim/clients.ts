/**
 * Simulated clients. Each runs one operation at a time (SET, GET, DEL, CAS on
 * a few keys, every written value unique), sends it to the node it believes
 * leads, follows -MOVED, retries elsewhere after -TRYAGAIN, and gives up after
 * a virtual timeout, recording the outcome as unknown for writes. Every
 * operation goes into a history in the linearizability checker's format.
 */
import type { Operation, OpKind } from '../check/history.js';
import type { ClientRequest } from '../protocol/commands.js';
import type { Reply } from '../protocol/reply.js';
import type { SimLoop } from './loop.js';
import type { Rng } from './rng.js';

export interface ClientPort {
  /** Sends request to node (after a network delay); `seq` identifies the attempt. */
  send(node: string, conn: number, seq: number, request: ClientRequest): void;
  /** The node a -MOVED address names, if any. */
  nodeAt(address: string): string | undefined;
  readonly nodeIds: readonly string[];
}

export interface WorkloadOptions {
  readonly clients: number;
  readonly keys: number;
  /** A client gives up on one attempt after this long (outcome unknown for a write). */
  readonly attemptTimeoutMs: number;
  /** A client stops retrying an operation after this long. */
  readonly operationTimeoutMs: number;
  readonly thinkMsMax: number;
}

interface InFlight {
  readonly op: Operation;
  readonly request: ClientRequest;
  readonly deadline: number;
  readonly final: boolean;
  attempt: number;
  node: string;
}

const enc = (text: string): Buffer => Buffer.from(text, 'latin1');

export class Workload {
  readonly history: Operation[] = [];
  private readonly clients: SimClient[] = [];
  private nextOpId = 1;
  private nextSeq = 1;
  /** Values written per key, for CAS expectations. */
  readonly written = new Map<string, string[]>();
  stopped = false;

  constructor(
    readonly loop: SimLoop,
    readonly rng: Rng,
    readonly port: ClientPort,
    readonly options: WorkloadOptions,
  ) {
    for (let i = 1; i <= options.clients; i++) this.clients.push(new SimClient(i, this));
  }

  keyName(i: number): string {
    return `k${i}`;
  }

  start(): void {
    for (const client of this.clients) this.loop.after(this.rng.float() * 10, () => client.next());
  }

  /** No new operations; those in flight finish or time out. */
  stop(): void {
    this.stopped = true;
  }

  /** Each client runs a last write and read: liveness demands they succeed. */
  startFinal(): void {
    this.stopped = true;
    for (const client of this.clients) client.queueFinal();
  }

  /** Final operations still unfinished or not ok. */
  finalProblems(): string[] {
    const problems: string[] = [];
    for (const client of this.clients) problems.push(...client.finalProblems());
    return problems;
  }

  finalDone(): boolean {
    return this.clients.every((client) => client.finalDone());
  }

  onReply(node: string, conn: number, seq: number, reply: Reply): void {
    this.clients[conn - 1]?.onReply(node, seq, reply);
  }

  newOp(client: number, key: string, kind: OpKind): Operation {
    return { id: this.nextOpId++, client, key, kind, status: 'unknown', call: this.loop.now, return: null };
  }

  newSeq(): number {
    return this.nextSeq++;
  }

  /** Operations still in flight at the end of a run count as unknown. */
  historyAtEnd(): Operation[] {
    const open = this.clients.flatMap((client) => client.openOp());
    return [...this.history, ...open];
  }
}

class SimClient {
  private current: InFlight | null = null;
  private leaderGuess: string;
  private counter = 0;
  /** Final operations still to get through, in order. */
  private finalNeeds: Array<'write' | 'read'> = [];
  private finalAttempts = 0;

  constructor(
    private readonly id: number,
    private readonly w: Workload,
  ) {
    this.leaderGuess = w.rng.pick(w.port.nodeIds);
  }

  next(): void {
    if (this.current) return;
    if (this.finalNeeds.length > 0) return this.begin(this.finalNeeds[0] === 'write' ? this.writeOp(this.finalKey(), true) : this.readOp(this.finalKey(), true));
    if (!this.w.stopped) this.begin(this.randomOp());
  }

  /** After the faults: this client must get one write and then one read through. */
  queueFinal(): void {
    this.finalNeeds = ['write', 'read'];
    if (!this.current) this.w.loop.after(0, () => this.next());
  }

  private finalKey(): string {
    return this.w.keyName((this.id - 1) % this.w.options.keys);
  }

  finalDone(): boolean {
    return this.finalNeeds.length === 0 && this.current === null;
  }

  finalProblems(): string[] {
    const problems = this.finalNeeds.map((need) => `client ${this.id}: no final ${need} succeeded (${this.finalAttempts} attempted)`);
    return problems;
  }

  openOp(): Operation[] {
    const c = this.current;
    return c && c.op.kind !== 'read' ? [{ ...c.op, status: 'unknown', return: null }] : [];
  }

  private randomOp(): InFlight {
    const w = this.w;
    const key = w.keyName(w.rng.int(0, w.options.keys));
    const roll = w.rng.float();
    if (roll < 0.4) return this.readOp(key, false);
    if (roll < 0.7) return this.writeOp(key, false);
    if (roll < 0.85) return this.casOp(key);
    const op = w.newOp(this.id, key, 'delete');
    return this.inFlight(op, { kind: 'write', command: { op: 'del', keys: [enc(key)] } }, false);
  }

  private readOp(key: string, final: boolean): InFlight {
    return this.inFlight(this.w.newOp(this.id, key, 'read'), { kind: 'read', query: { op: 'get', key: enc(key) } }, final);
  }

  private writeOp(key: string, final: boolean): InFlight {
    const value = `c${this.id}.${++this.counter}`;
    const op = { ...this.w.newOp(this.id, key, 'write'), value };
    this.remember(key, value);
    return this.inFlight(op, { kind: 'write', command: { op: 'set', key: enc(key), value: enc(value) } }, final);
  }

  private casOp(key: string): InFlight {
    const known = this.w.written.get(key) ?? [];
    const expected = known.length > 0 && this.w.rng.chance(0.8) ? known[known.length - 1 - this.w.rng.int(0, Math.min(3, known.length))]! : 'none';
    const value = `c${this.id}.${++this.counter}`;
    this.remember(key, value);
    const op = { ...this.w.newOp(this.id, key, 'cas'), value, expected };
    return this.inFlight(op, { kind: 'write', command: { op: 'cas', key: enc(key), expected: enc(expected), value: enc(value) } }, false);
  }

  private remember(key: string, value: string): void {
    const list = this.w.written.get(key);
    if (list) list.push(value);
    else this.w.written.set(key, [value]);
  }

  private inFlight(op: Operation, request: ClientRequest, final: boolean): InFlight {
    const timeout = this.w.options.operationTimeoutMs * (final ? 4 : 1);
    // Clients are spread over the nodes: some operations start at a random one (redirects bring them to the leader).
    const spread = request.kind === 'read' ? 0.5 : 0.2;
    const node = !final && this.w.rng.chance(spread) ? this.w.rng.pick(this.w.port.nodeIds) : this.leaderGuess;
    return { op, request, deadline: this.w.loop.now + timeout, final, attempt: 0, node };
  }

  private begin(flight: InFlight): void {
    this.current = flight;
    if (flight.final) this.finalAttempts++;
    this.send(flight, flight.node);
  }

  private send(flight: InFlight, node: string): void {
    const seq = this.w.newSeq();
    flight.attempt = seq;
    flight.node = node;
    this.w.port.send(node, this.id, seq, flight.request);
    this.w.loop.after(this.w.options.attemptTimeoutMs, () => {
      // No answer: a write may still be applied later, so its outcome is unknown.
      // The node may be down: the next operation tries another one.
      if (this.current !== flight || flight.attempt !== seq) return;
      this.leaderGuess = this.otherNode(node);
      this.finish('unknown', null);
    });
  }

  onReply(node: string, seq: number, reply: Reply): void {
    const flight = this.current;
    if (!flight || flight.attempt !== seq) return;
    if (reply.type !== 'error') {
      this.leaderGuess = node;
      this.finish('ok', reply);
      return;
    }
    const word = reply.message.split(' ', 1)[0];
    if (word === 'MOVED') {
      const target = this.w.port.nodeAt(reply.message.split(' ')[2] ?? '');
      return this.retry(flight, target !== undefined && target !== node ? target : this.otherNode(node), 0);
    }
    if (word === 'TRYAGAIN' || word === 'BUSY') return this.retry(flight, this.otherNode(node), 5 + this.w.rng.float() * 40);
    // The entry this write became was overwritten by another leader's: it was not applied.
    if (reply.message.startsWith('ERR write lost')) return this.retry(flight, this.otherNode(node), 5);
    this.finish('unknown', null); // TIMEOUT and anything else: the outcome is not known
  }

  private retry(flight: InFlight, node: string, delayMs: number): void {
    this.leaderGuess = node;
    if (this.w.loop.now + delayMs > flight.deadline) {
      // Every earlier attempt was refused, so nothing took effect.
      this.finish('fail', null);
      return;
    }
    flight.attempt = -1;
    this.w.loop.after(delayMs, () => {
      if (this.current === flight) this.send(flight, node);
    });
  }

  private otherNode(node: string): string {
    const others = this.w.port.nodeIds.filter((id) => id !== node);
    // Membership changes can leave a single node to talk to.
    return others.length > 0 ? this.w.rng.pick(others) : node;
  }

  private finish(status: 'ok' | 'unknown' | 'fail', reply: Reply | null): void {
    const flight = this.current!;
    const op = flight.op;
    op.status = status;
    op.return = status === 'unknown' ? null : this.w.loop.now;
    if (status === 'ok' && reply) recordOutput(op, reply);
    // An unknown read tells nothing: it is recorded as failed (never happened).
    if (status === 'unknown' && op.kind === 'read') {
      op.status = 'fail';
      op.return = this.w.loop.now;
    }
    this.w.history.push(op);
    if (flight.final && op.status === 'ok') this.finalNeeds.shift();
    this.current = null;
    this.w.loop.after(this.w.rng.float() * this.w.options.thinkMsMax, () => this.next());
  }
}

function recordOutput(op: Operation, reply: Reply): void {
  if (op.kind === 'read') op.output = reply.type === 'bulk' && reply.value !== null ? Buffer.from(reply.value).toString('latin1') : null;
  if (op.kind === 'cas') op.swapped = reply.type === 'int' && reply.value === 1;
}
