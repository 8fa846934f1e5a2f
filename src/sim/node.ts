/**
 * One simulated node: the real bus, actors, core and state machine, built by
 * assembleNode() with a virtual clock, a simulated transport, a simulated
 * disk and a drain scheduler that turns "drain the bus" into one loop action
 * per delivered event. A crash abandons the incarnation (timer stopped,
 * network detached, unfinished disk writes lost); a restart rebuilds the node
 * from what its disk kept.
 */
import type { BusEvent } from '../bus/events.js';
import type { DrainScheduler } from '../bus/bus.js';
import { assembleNode, type NodeParts, type NodeSettings } from '../node/assemble.js';
import { FlightRecorder } from '../trace/flight-recorder.js';
import type { TraceStart } from '../trace/format.js';
import { traceStartOf } from '../trace/node-recorders.js';
import type { SimDisk } from './disk.js';
import type { SimLoop } from './loop.js';
import type { SimNetwork } from './network.js';
import type { Rng } from './rng.js';
import { VirtualClock } from './clock.js';
import type { SimTransportOptions } from './transport.js';
import { parseHostPort, type HostPort } from '../config/address.js';

/** Sees every delivered event after its handlers ran, and each node's lifecycle. */
export interface NodeObserver {
  started(node: SimNode): void;
  delivered(node: SimNode, event: BusEvent): void;
  crashed(node: SimNode): void;
  /** A `client.reply` left the node (the simulated clients listen here). */
  reply(node: SimNode, event: BusEvent & { type: 'client.reply' }): void;
  /** An actor reported a failed disk operation: the node must crash. */
  storageFailed(node: SimNode): void;
}

/** Events each incarnation's flight recorder keeps, and incarnations kept per node. */
const SIM_FLIGHT_EVENTS = 5_000;
const SIM_FLIGHT_INCARNATIONS = 3;

export class SimNode {
  /** Flight recorders of this node's latest incarnations, oldest first. */
  readonly recorders: FlightRecorder[] = [];
  parts: NodeParts | null = null;
  incarnation = 0;
  /** Events delivered by every incarnation of this node. */
  delivered = 0;
  /** Frozen (a GC pause, SIGSTOP) until this virtual time. */
  private pausedUntil = 0;
  /** The stepper that found the node paused, to restart on resume. */
  private stalled: (() => void) | null = null;

  constructor(
    readonly id: string,
    readonly disk: SimDisk,
    private readonly settings: NodeSettings,
    private readonly loop: SimLoop,
    private readonly network: SimNetwork,
    private readonly rng: Rng,
    private readonly observer: NodeObserver,
  ) {}

  get up(): boolean {
    return this.parts !== null;
  }

  get paused(): boolean {
    return this.loop.now < this.pausedUntil;
  }

  /**
   * Freezes the node for ms: it handles nothing and its timer does not fire.
   * Client requests wait in its queue (a socket buffer); peer messages are
   * lost (the network drops what arrives for a frozen node).
   */
  pause(ms: number): void {
    if (!this.parts) return;
    this.pausedUntil = Math.max(this.pausedUntil, this.loop.now + ms);
    const incarnation = this.incarnation;
    this.loop.at(this.pausedUntil, () => {
      if (incarnation !== this.incarnation || this.paused) return;
      const stepper = this.stalled;
      this.stalled = null;
      if (stepper) this.loop.after(0, stepper);
    });
  }

  start(): void {
    if (this.parts) throw new Error(`node ${this.id} is already up`);
    const incarnation = ++this.incarnation;
    const tickMs = this.settings.timing.tickMs;
    const restored = this.disk.restored();
    const sessions = [...this.disk.sessions.values()];
    const clock = new VirtualClock(this.loop, this.rng.float() * tickMs, () => this.paused);
    const seed = this.rng.fork();
    const parts = assembleNode({
      config: this.settings,
      storage: this.disk.storage(),
      restored,
      sessions,
      transport: this.network.transport(this.id, this.transportOptions()),
      clock,
      wallClockMs: () => Math.floor(this.loop.now),
      scheduler: this.scheduler(incarnation),
      seed,
      monotonicMs: () => this.loop.now,
    });
    this.parts = parts;
    this.recordFlight(parts, traceStartOf(this.settings, { restored, sessions }, seed, 0));
    parts.bus.on('client.reply', (event) => this.observer.reply(this, event));
    parts.bus.on('storage.failed', () => this.observer.storageFailed(this));
    void parts.network.start();
    parts.timer.start();
    this.observer.started(this);
  }

  /** Where this node listens and whom it knows: the members of its settings (the bootstrap configuration). */
  private transportOptions(): SimTransportOptions {
    const address = (id: string): HostPort => parseHostPort(this.settings.members.find((m) => m.id === id)!.peer);
    const peers = this.settings.members.filter((m) => m.id !== this.id).map((m) => ({ id: m.id, ...address(m.id) }));
    return { address: address(this.id), peers };
  }

  /**
   * Every incarnation gets a flight recorder (the last few are kept): when an
   * invariant fails, they are dumped as trace files that `raftkv trace`
   * reads and replays.
   */
  private recordFlight(parts: NodeParts, start: TraceStart): void {
    const now = (): number => this.loop.now;
    const recorder = new FlightRecorder({ start, capacity: SIM_FLIGHT_EVENTS, now, virtualNow: now });
    recorder.attach(parts.bus);
    this.recorders.push(recorder);
    if (this.recorders.length > SIM_FLIGHT_INCARNATIONS) this.recorders.shift();
  }

  crash(): void {
    if (!this.parts) return;
    this.parts.timer.stop();
    this.network.detach(this.id);
    this.disk.crash();
    this.parts = null;
    this.incarnation++;
    this.pausedUntil = 0;
    this.stalled = null;
    this.observer.crashed(this);
  }

  /** Publishes an event on the node's bus if it is up (simulated clients use this). */
  publish(event: BusEvent): boolean {
    if (!this.parts) return false;
    this.parts.bus.publish(event);
    return true;
  }

  /**
   * The bus asks for a drain: deliver one event per loop action, so nodes
   * interleave event by event and the observer sees the state after each.
   */
  private scheduler(incarnation: number): DrainScheduler {
    return (drain) => {
      const stepOne = (): void => {
        const parts = this.parts;
        if (incarnation !== this.incarnation || !parts) return;
        if (this.paused) {
          this.stalled = stepOne;
          return;
        }
        if (parts.bus.pending() === 0) {
          drain(); // clears the bus's "drain scheduled" flag; nothing left to deliver
          return;
        }
        const event = parts.bus.step()!;
        this.delivered++;
        this.observer.delivered(this, event);
        this.loop.after(0, stepOne);
      };
      this.loop.after(0, stepOne);
    };
  }
}
