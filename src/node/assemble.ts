/**
 * Builds one node from its parts: a bus, the six actors and the pure core,
 * wired to whatever storage, transport, clock and scheduler it is given. The
 * real node (node.ts) passes LevelDB, TCP, the system clock and setImmediate;
 * the simulator and the tests pass their own. Nothing else differs.
 */
import { ExpirySweeper } from '../actors/expiry-sweeper.js';
import { ClientActor } from '../actors/client.js';
import { NetworkActor } from '../actors/network.js';
import { MemberDirectory } from './member-directory.js';
import { PersistenceActor } from '../actors/persistence.js';
import { RaftNodeActor } from '../actors/raft-node.js';
import { StateMachineActor } from '../actors/state-machine.js';
import { TimerActor, type Clock } from '../actors/timer.js';
import { MessageBus, type DrainScheduler } from '../bus/bus.js';
import type { NodeConfig } from '../config/types.js';
import { RaftCore, type RestoredState } from '../raft/core.js';
import { seededRandom } from '../raft/random.js';
import type { CoreWarning } from '../raft/ready.js';
import type { StoredSession } from '../kv/sessions.js';
import type { NodeStorage } from '../storage/interfaces.js';
import type { Transport } from '../transport/transport.js';

export type NodeSettings = Pick<NodeConfig, 'nodeId' | 'members' | 'timing' | 'limits'> & { readonly readMode?: NodeConfig['readMode']; readonly join?: boolean };

export interface AssembleOptions {
  readonly config: NodeSettings;
  readonly storage: NodeStorage;
  readonly restored: RestoredState;
  /** The client-session table stored with the KV data (none for a new node). */
  readonly sessions?: readonly StoredSession[];
  readonly transport: Transport;
  readonly clock: Clock;
  /** Wall-clock ms for the state machine's expiry checks (default Date.now; the simulator passes virtual time). */
  readonly wallClockMs?: () => number;
  readonly scheduler: DrainScheduler;
  /** Seeds the election-timeout randomness; record it to replay the node. */
  readonly seed: number;
  /** The index of the last snapshot the storage holds (0 or absent: none). */
  readonly snapshotIndex?: number;
  /** Milliseconds for measuring durations (default: performance.now; the simulator passes virtual time). */
  readonly monotonicMs?: () => number;
  /** What the core refused (hostile or impossible messages); the real node logs it. */
  readonly onCoreWarning?: (warning: CoreWarning) => void;
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

/**
 * The longest an idle node's timer sleeps: request deadlines and the expiry
 * sweep count ticks without telling the timer, so they may run this late.
 */
const IDLE_WAKE_MS_MAX = 100;

/** Milliseconds to whole ticks, at least one. */
export function toTicks(ms: number, tickMs: number): number {
  return Math.max(1, Math.round(ms / tickMs));
}

/** The term of the restored log's entry at index (the log start's term at the start). */
function termAt(restored: RestoredState, index: number): number {
  const start = restored.logStart ?? { index: 0, term: 0 };
  return index === start.index ? start.term : (restored.entries[index - start.index - 1]?.term ?? 0);
}

export function assembleNode(options: AssembleOptions): NodeParts {
  const { config, storage, restored } = options;
  const { timing, limits } = config;
  const bus = new MessageBus(options.scheduler);
  const core = new RaftCore(
    {
      id: config.nodeId,
      // A joining node bootstraps nothing: it learns the configuration from the cluster.
      voters: config.join === true ? [] : config.members.map((member) => member.id),
      electionTicksMin: toTicks(timing.electionTimeoutMinMs, timing.tickMs),
      electionTicksMax: toTicks(timing.electionTimeoutMaxMs, timing.tickMs),
      heartbeatTicks: toTicks(timing.heartbeatMs, timing.tickMs),
      entriesPerAppendMax: limits.entriesPerAppendMax,
      appendBytesMax: limits.appendBytesMax,
      inflightAppendsMax: limits.inflightAppendsMax,
      snapshotTrailingEntries: limits.snapshotTrailingEntries,
      termJumpMax: limits.termJumpMax,
      random: seededRandom(options.seed),
      leaseReads: config.readMode === 'lease',
      leaseMs: toTicks(timing.electionTimeoutMinMs, timing.tickMs) * timing.tickMs,
    },
    restored,
  );
  // Subscription order is delivery order within one event: the RaftNode actor
  // sees a tick before the Client actor counts it towards request deadlines.
  new RaftNodeActor(bus, core, options.onCoreWarning, options.clock.now?.bind(options.clock));
  // Built below, after the actors that must see each event before it; INFO reads it only once running.
  let stateMachine: StateMachineActor | undefined;
  const client = new ClientActor(bus, {
    nodeId: config.nodeId,
    members: config.members,
    config: core.view().config,
    pendingRequestsMax: limits.pendingRequestsMax,
    pendingWriteBytesMax: limits.pendingWriteBytesMax,
    writesInFlightMax: limits.writesInFlightMax,
    writeBytesInFlightMax: limits.writeBytesInFlightMax,
    requestTimeoutTicks: toTicks(timing.requestTimeoutMs, timing.tickMs),
    appliedIndex: restored.appliedIndex,
  });
  new ExpirySweeper(bus);
  return {
    bus,
    core,
    timer: new TimerActor(bus, options.clock, timing.tickMs, {
      ticksUntilDue: () => core.ticksUntilDue(),
      idleTicksMax: toTicks(IDLE_WAKE_MS_MAX, timing.tickMs),
      // Past every tick-counted deadline (a request's, an election's), more ticks change nothing.
      catchUpTicksMax: toTicks(timing.requestTimeoutMs, timing.tickMs) + toTicks(timing.electionTimeoutMaxMs, timing.tickMs) + 1,
    }),
    network: new NetworkActor(bus, options.transport, new MemberDirectory(config.members, core.view().config)),
    persistence: new PersistenceActor(bus, storage.raft),
    stateMachine: (stateMachine = new StateMachineActor(bus, storage.kv, {
      appliedIndex: restored.appliedIndex,
      appliedTerm: termAt(restored, restored.appliedIndex),
      nodeId: config.nodeId,
      keysPerReplyMax: limits.keysPerReplyMax,
      sessionLimits: limits,
      sessions: options.sessions ?? [],
      snapshots: limits,
      snapshotIndex: options.snapshotIndex ?? 0,
      config: core.configAt(restored.appliedIndex),
      monotonicMs: options.monotonicMs ?? (() => performance.now()),
      ...(options.wallClockMs ? { wallClockMs: options.wallClockMs } : {}),
    })),
    client,
  };
}
