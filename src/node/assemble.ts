/**
 * Builds one node from its parts: a bus, the six actors and the pure core,
 * wired to whatever storage, transport, clock and scheduler it is given. The
 * real node (node.ts) passes LevelDB, TCP, the system clock and setImmediate;
 * the simulator and the tests pass their own. Nothing else differs.
 */
import { ExpirySweeper } from '../actors/expiry-sweeper.js';
import { ClientActor } from '../actors/client.js';
import { NetworkActor } from '../actors/network.js';
import { PersistenceActor } from '../actors/persistence.js';
import { RaftNodeActor } from '../actors/raft-node.js';
import { StateMachineActor } from '../actors/state-machine.js';
import { TimerActor, type Clock } from '../actors/timer.js';
import { MessageBus, type DrainScheduler } from '../bus/bus.js';
import type { NodeConfig } from '../config/types.js';
import { RaftCore, type RestoredState } from '../raft/core.js';
import { seededRandom } from '../raft/random.js';
import type { StoredSession } from '../kv/sessions.js';
import type { NodeStorage } from '../storage/interfaces.js';
import type { Transport } from '../transport/transport.js';

export type NodeSettings = Pick<NodeConfig, 'nodeId' | 'members' | 'timing' | 'limits'> & { readonly readMode?: NodeConfig['readMode'] };

export interface AssembleOptions {
  readonly config: NodeSettings;
  readonly storage: NodeStorage;
  readonly restored: RestoredState;
  /** The client-session table stored with the KV data (none for a new node). */
  readonly sessions?: readonly StoredSession[];
  readonly transport: Transport;
  readonly clock: Clock;
  /** Wall-clock ms for the state machine's expiry checks (default Date.now; the simulator passes virtual time). */
  readonly now?: () => number;
  readonly scheduler: DrainScheduler;
  /** Seeds the election-timeout randomness; record it to replay the node. */
  readonly seed: number;
}

export interface NodeParts {
  readonly bus: MessageBus;
  readonly core: RaftCore;
  readonly timer: TimerActor;
  readonly network: NetworkActor;
  readonly persistence: PersistenceActor;
  readonly stateMachine: StateMachineActor;
  readonly client: ClientActor;
}

/** Milliseconds to whole ticks, at least one. */
export function toTicks(ms: number, tickMs: number): number {
  return Math.max(1, Math.round(ms / tickMs));
}

export function assembleNode(options: AssembleOptions): NodeParts {
  const { config, storage, restored } = options;
  const { timing, limits } = config;
  const bus = new MessageBus(options.scheduler);
  const core = new RaftCore(
    {
      id: config.nodeId,
      voters: config.members.map((member) => member.id),
      electionTicksMin: toTicks(timing.electionTimeoutMinMs, timing.tickMs),
      electionTicksMax: toTicks(timing.electionTimeoutMaxMs, timing.tickMs),
      heartbeatTicks: toTicks(timing.heartbeatMs, timing.tickMs),
      entriesPerAppendMax: limits.entriesPerAppendMax,
      appendBytesMax: limits.appendBytesMax,
      inflightAppendsMax: limits.inflightAppendsMax,
      random: seededRandom(options.seed),
      leaseReads: config.readMode === 'lease',
    },
    restored,
  );
  // Subscription order is delivery order within one event: the RaftNode actor
  // sees a tick before the Client actor counts it towards request deadlines.
  new RaftNodeActor(bus, core);
  const client = new ClientActor(bus, {
    nodeId: config.nodeId,
    members: config.members,
    pendingRequestsMax: limits.pendingRequestsMax,
    requestTimeoutTicks: toTicks(timing.requestTimeoutMs, timing.tickMs),
    appliedIndex: restored.appliedIndex,
  });
  new ExpirySweeper(bus);
  return {
    bus,
    core,
    timer: new TimerActor(bus, options.clock, timing.tickMs),
    network: new NetworkActor(bus, options.transport),
    persistence: new PersistenceActor(bus, storage.raft),
    stateMachine: new StateMachineActor(bus, storage.kv, {
      appliedIndex: restored.appliedIndex,
      keysPerReplyMax: limits.keysPerReplyMax,
      sessionLimits: limits,
      sessions: options.sessions ?? [],
      ...(options.now ? { now: options.now } : {}),
    }),
    client,
  };
}
