/**
 * Every message that crosses the bus. Each event's `type` names its family
 * (timer., net., client., raft., storage.) and what happened; the families are
 * the TimerEvent, NetworkEvent, ClientEvent, RaftEvent and StorageEvent unions.
 *
 * Inputs are the events that come from outside a node (a tick, a received
 * message, a client request, a storage completion): a node's run is fully
 * described by its inputs, so recording them is enough to replay it. Every
 * other event is produced by the node's own actors while handling an input.
 */
import type { KvQuery, KvQueryResult, KvResult } from '../kv/commands.js';
import type { KeyEvent } from '../kv/write-ops.js';
import type { ClientRequest } from '../protocol/commands.js';
import type { Reply } from '../protocol/reply.js';
import type { LeaderTransferOutcome, MembershipOutcome, PersistRequest, Proposal, Role, SnapshotCommand } from '../raft/ready.js';
import type { ClusterConfig } from '../raft/membership/config.js';
import type { MembershipChange } from '../raft/membership/change.js';
import type { Entry, InstallSnapshot, LogIndex, LogPoint, Message, NodeId, Term } from '../raft/types.js';

export type TimerEvent = { readonly type: 'timer.tick' };

export type NetworkEvent =
  /** A message arrived from a peer (input). */
  | { readonly type: 'net.recv'; readonly message: Message }
  /** The connection to a peer closed (input): a hint for the core that the peer's process is gone. */
  | { readonly type: 'net.disconnected'; readonly peer: NodeId }
  /** Messages for the network actor to send, in order. */
  | { readonly type: 'net.send'; readonly messages: readonly Message[] };

/** A client connection, named by the TCP edge (or a simulated client). */
export type ConnectionId = number;

export type ClientEvent =
  /** A parsed request from a connection; `seq` orders replies on that connection (input). */
  | { readonly type: 'client.request'; readonly conn: ConnectionId; readonly seq: number; readonly request: ClientRequest }
  /** The connection went away; nothing more is sent to it (input). */
  | { readonly type: 'client.closed'; readonly conn: ConnectionId }
  | { readonly type: 'client.reply'; readonly conn: ConnectionId; readonly seq: number; readonly reply: Reply }
  /** Every pending request fails with `reason` (the node is shutting down) (input). */
  | { readonly type: 'client.abort'; readonly reason: string };

/**
 * The id of a leadership transfer no client waits for (a leader stopping, a
 * simulator fault). The client actor numbers its own requests from 1, so it
 * never mistakes this one's outcome for an answer it owes.
 */
export const UNATTENDED_LEADER_TRANSFER_ID = 0;

export interface RaftOutcomes {
  readonly accepted: ReadonlyArray<{ readonly id: number; readonly index: LogIndex; readonly term: Term }>;
  readonly refused: ReadonlyArray<{ readonly id: number; readonly kind: 'proposal' | 'read'; readonly leader: NodeId | null }>;
  readonly readsReady: ReadonlyArray<{ readonly id: number; readonly index: LogIndex }>;
  readonly leaderTransfers: readonly LeaderTransferOutcome[];
  readonly membershipChanges: readonly MembershipOutcome[];
}

export interface NodeStatusEvent {
  readonly role: Role;
  readonly term: Term;
  readonly leader: NodeId | null;
  readonly commitIndex: LogIndex;
  /** The first index the log holds (entries before it were compacted into a snapshot). */
  readonly firstIndex: LogIndex;
  readonly lastIndex: LogIndex;
}

export type RaftEvent =
  | { readonly type: 'raft.propose'; readonly proposals: readonly Proposal[] }
  | { readonly type: 'raft.read'; readonly id: number }
  /** Hand leadership to `target` (the most up-to-date voter when null); answered in raft.outcomes.leaderTransfers. */
  | { readonly type: 'raft.transferLeader'; readonly id: number; readonly target: NodeId | null }
  /**
   * The same, asked from outside the actors (the node stopping, a simulator
   * fault), with no client waiting (input): its outcome comes back under
   * UNATTENDED_LEADER_TRANSFER_ID.
   */
  | { readonly type: 'raft.handOver'; readonly target: NodeId | null }
  /** Add a learner, promote it or remove a member; answered in raft.outcomes.membershipChanges. */
  | { readonly type: 'raft.changeMembership'; readonly id: number; readonly change: MembershipChange }
  /**
   * Once at start, then whenever it changes: the configuration in force (the
   * latest in the log: an entry appended or truncated, a snapshot installed),
   * who the members are and where they listen (null: none known yet, a node
   * still joining); and `removed`, the ids a committed configuration removed,
   * whose frames are refused.
   */
  | { readonly type: 'raft.membership'; readonly config: ClusterConfig | null; readonly removed: readonly NodeId[] }
  /** End of a batch: the RaftNode actor flushes the core and carries out its Ready. */
  | { readonly type: 'raft.ready' }
  | ({ readonly type: 'raft.outcomes' } & RaftOutcomes)
  | ({ readonly type: 'raft.status' } & NodeStatusEvent);

export interface AppliedResult {
  readonly index: LogIndex;
  readonly term: Term;
  /** null for entries that carry no command (no-ops). */
  readonly result: KvResult | null;
}

export type StorageEvent =
  | { readonly type: 'storage.persist'; readonly request: PersistRequest }
  /** Every persist request up to seq is durable (input). */
  | { readonly type: 'storage.persisted'; readonly seq: number }
  | { readonly type: 'storage.apply'; readonly entries: readonly Entry[] }
  /**
   * Entries up to `index` are applied and durable in the KV store (input);
   * `events`: what happened to which keys, in apply order (keyspace notifications).
   */
  | { readonly type: 'storage.applied'; readonly index: LogIndex; readonly results: readonly AppliedResult[]; readonly events?: readonly KeyEvent[] }
  /** The KV store is a durable snapshot at `index` (synced), taken in `durationMs` (input). */
  | { readonly type: 'storage.snapshotted'; readonly index: LogIndex; readonly term: Term; readonly durationMs: number }
  /** Snapshot transfer work for the StateMachine actor (see SnapshotCommand). */
  | { readonly type: 'storage.snapshot'; readonly commands: readonly SnapshotCommand[] }
  /** A chunk of a snapshot read view, ready to send to a follower (input). */
  | { readonly type: 'storage.snapshotRead'; readonly message: InstallSnapshot }
  /** A received snapshot chunk was staged or refused; `next` is the chunk wanted (-1: start over) (input). */
  | { readonly type: 'storage.snapshotStaged'; readonly leader: NodeId; readonly term: Term; readonly transfer: number; readonly next: number }
  /** The state machine is now (durably) the snapshot at `snapshot`, or was already past it (input). */
  | { readonly type: 'storage.snapshotInstalled'; readonly leader: NodeId; readonly term: Term; readonly transfer: number; readonly snapshot: LogPoint; readonly config?: ClusterConfig }
  | { readonly type: 'storage.query'; readonly id: number; readonly query: KvQuery }
  | { readonly type: 'storage.queryResult'; readonly id: number; readonly result: KvQueryResult } // input
  /** A disk operation failed; the node cannot go on safely (input). */
  | { readonly type: 'storage.failed'; readonly operation: string; readonly message: string };

export type BusEvent = TimerEvent | NetworkEvent | ClientEvent | RaftEvent | StorageEvent;
export type BusEventType = BusEvent['type'];

/** mitt's event map: each event type to its payload. */
export type BusEvents = { [E in BusEvent as E['type']]: E };

export type EventOf<T extends BusEventType> = BusEvents[T];

const INPUT_TYPES: ReadonlySet<BusEventType> = new Set<BusEventType>([
  'timer.tick',
  'net.recv',
  'net.disconnected',
  'client.request',
  'client.closed',
  'client.abort',
  'raft.handOver',
  'storage.persisted',
  'storage.applied',
  'storage.snapshotted',
  'storage.snapshotRead',
  'storage.snapshotStaged',
  'storage.snapshotInstalled',
  'storage.queryResult',
  'storage.failed',
]);

/** True for events that enter a node from outside (see the header comment). */
export function isInput(event: BusEvent): boolean {
  return INPUT_TYPES.has(event.type);
}
