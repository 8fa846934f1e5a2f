/**
 * A traced cluster in this process: real actors and timers, the in-memory
 * transport (which can partition and heal) and memory-level storage. Every
 * node records a trace file and keeps a flight recorder, as a real node does.
 */
import { join } from 'node:path';
import { systemClock } from '../../src/actors/timer.js';
import { immediateScheduler } from '../../src/bus/bus.js';
import type { BusEvent } from '../../src/bus/events.js';
import { DEFAULT_LIMITS, TIMING_PRESETS, type LimitsConfig } from '../../src/config/types.js';
import { assembleNode, type NodeParts, type NodeSettings } from '../../src/node/assemble.js';
import type { NodeStorage } from '../../src/storage/interfaces.js';
import { openMemoryStorage } from '../../src/storage/open.js';
import { FlightRecorder } from '../../src/trace/flight-recorder.js';
import { traceStartOf } from '../../src/trace/node-recorders.js';
import { TraceRecorder } from '../../src/trace/recorder.js';
import { MemoryNetwork, MemoryTransport, memoryAddress } from '../../src/transport/memory.js';
import { waitFor } from '../support/wait.js';

export interface TracedNode {
  readonly id: string;
  readonly storage: NodeStorage;
  parts: NodeParts;
  recorder: TraceRecorder;
  flight: FlightRecorder;
  /** Trace files of every incarnation, oldest first. */
  readonly traces: string[];
  incarnation: number;
}

export class MemoryCluster {
  readonly network = new MemoryNetwork();
  readonly nodes = new Map<string, TracedNode>();
  private nextConn = 1;

  private constructor(
    private readonly dir: string,
    private readonly settings: (id: string) => NodeSettings,
  ) {}

  static async start(dir: string, ids: readonly string[], flightEvents = 10_000, limits: Partial<LimitsConfig> = {}): Promise<MemoryCluster> {
    const members = ids.map((id) => ({ id, peer: `memory:${id}`, client: `memory:${id}` }));
    const cluster = new MemoryCluster(dir, (id) => ({ nodeId: id, members, timing: TIMING_PRESETS.fast, limits: { ...DEFAULT_LIMITS, ...limits } }));
    for (const id of ids) {
      const node = await cluster.boot(id, await openMemoryStorage(), flightEvents, 0);
      cluster.nodes.set(id, node);
    }
    return cluster;
  }

  node(id: string): TracedNode {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`no node ${id}`);
    return node;
  }

  private async boot(id: string, storage: NodeStorage, flightEvents: number, incarnation: number): Promise<TracedNode> {
    const [raft, appliedIndex] = await Promise.all([storage.raft.load(), storage.kv.appliedIndex()]);
    const restored = { hardState: raft.hardState, logStart: raft.logStart, entries: raft.entries, appliedIndex };
    const config = this.settings(id);
    const seed = 1000 * incarnation + id.charCodeAt(id.length - 1);
    const parts = assembleNode({ config, storage, restored, transport: new MemoryTransport(this.network, { self: id, peers: config.members.filter((m) => m.id !== id).map((m) => memoryAddress(m.id)) }), clock: systemClock, scheduler: immediateScheduler, seed });
    const start = traceStartOf(config, { restored }, seed);
    const path = join(this.dir, `${id}-${incarnation}.ndjson`);
    const recorder = new TraceRecorder({ path, start, source: 'test' });
    recorder.attach(parts.bus);
    const flight = new FlightRecorder({ start, capacity: flightEvents });
    flight.attach(parts.bus);
    await parts.network.start();
    parts.timer.start();
    const previous = this.nodes.get(id);
    return { id, storage, parts, recorder, flight, traces: [...(previous?.traces ?? []), path], incarnation };
  }

  /** Stops a node abruptly (no shutdown events) and starts a new incarnation on the same storage. */
  async restart(id: string): Promise<void> {
    const node = this.node(id);
    await this.halt(node);
    this.nodes.set(id, await this.boot(id, node.storage, node.flight.capacity, node.incarnation + 1));
  }

  private async halt(node: TracedNode): Promise<void> {
    node.parts.timer.stop();
    await node.parts.network.stop();
    await node.parts.persistence.idle();
    await node.parts.stateMachine.idle();
    node.recorder.close();
  }

  async leader(excluding: readonly string[] = []): Promise<string> {
    return waitFor(
      () => {
        const leaders = [...this.nodes.values()].filter((n) => !excluding.includes(n.id) && n.parts.core.view().role === 'leader');
        return leaders.length === 1 ? leaders[0]!.id : null;
      },
      { what: 'one leader' },
    );
  }

  /** Sends SET key value to node as a client would and resolves with the reply. */
  set(id: string, key: string, value: string): Promise<BusEvent & { type: 'client.reply' }> {
    const bus = this.node(id).parts.bus;
    const conn = this.nextConn++;
    return new Promise((resolve) => {
      const off = bus.on('client.reply', (event) => {
        if (event.conn !== conn) return;
        off();
        bus.publish({ type: 'client.closed', conn });
        resolve(event);
      });
      bus.publish({ type: 'client.request', conn, seq: 0, request: { kind: 'write', command: { op: 'set', key: Buffer.from(key), value: Buffer.from(value) } } });
    });
  }

  /** Waits until every node has applied at least index. */
  async applied(index: number): Promise<void> {
    await waitFor(() => [...this.nodes.values()].every((n) => n.parts.client.appliedIndex() >= index), { what: `every node to apply ${index}` });
  }

  async stopAll(): Promise<void> {
    for (const node of this.nodes.values()) await this.halt(node);
  }
}
