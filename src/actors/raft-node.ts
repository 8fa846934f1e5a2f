/**
 * The RaftNode actor wraps the pure core: it steps the core with every input
 * that concerns it and, once per batch (a `raft.ready` event queued behind
 * everything already waiting), carries out the core's Ready by publishing
 * events for the other actors, in the order ready.ts documents.
 */
import type { MessageBus } from '../bus/bus.js';
import type { RaftCore } from '../raft/core.js';
import type { CoreWarning, RaftInput } from '../raft/ready.js';
import { UNATTENDED_LEADER_TRANSFER_ID, type NodeStatusEvent } from '../bus/events.js';

export class RaftNodeActor {
  private readyQueued = false;
  private reported: NodeStatusEvent | null = null;

  constructor(
    private readonly bus: MessageBus,
    private readonly core: RaftCore,
    /** Hears what the core refused (messages, elections); the real node logs it, rate-limited. */
    private readonly onWarning: (warning: CoreWarning) => void = () => {},
    /** The monotonic clock read with every tick and read (lease reads); absent: none. */
    private readonly now?: () => number,
  ) {
    bus.on('timer.tick', () => this.step(this.now ? { type: 'tick', nowMs: this.now() } : { type: 'tick' }));
    bus.on('net.recv', (event) => this.step({ type: 'message', message: event.message }));
    bus.on('net.disconnected', (event) => this.step({ type: 'peerDisconnected', peer: event.peer }));
    bus.on('raft.propose', (event) => this.step({ type: 'propose', proposals: event.proposals }));
    // Read the clock as the read is stepped, not when it arrived: time lost to a pause counts.
    bus.on('raft.read', (event) => this.step(this.now ? { type: 'read', id: event.id, nowMs: this.now() } : { type: 'read', id: event.id }));
    bus.on('raft.transferLeader', (event) => this.step({ type: 'transferLeadership', id: event.id, target: event.target }));
    bus.on('raft.handOver', (event) => this.step({ type: 'transferLeadership', id: UNATTENDED_LEADER_TRANSFER_ID, target: event.target }));
    bus.on('raft.changeMembership', (event) => this.step({ type: 'changeMembership', id: event.id, change: event.change }));
    bus.on('storage.persisted', (event) => this.step({ type: 'persisted', seq: event.seq }));
    bus.on('storage.snapshotted', (event) => this.step({ type: 'snapshotted', index: event.index }));
    bus.on('storage.snapshotStaged', ({ leader, term, transfer, next }) =>
      this.step({ type: 'snapshotStaged', leader, term, transfer, next }));
    bus.on('storage.snapshotInstalled', ({ leader, term, transfer, snapshot, config }) =>
      this.step({ type: 'snapshotInstalled', leader, term, transfer, snapshot, ...(config !== undefined && { config }) }));
    bus.on('raft.ready', () => this.carryOutReady());
  }

  private step(input: RaftInput): void {
    this.core.step(input);
    if (this.readyQueued) return;
    this.readyQueued = true;
    this.bus.publish({ type: 'raft.ready' });
  }

  private carryOutReady(): void {
    this.readyQueued = false;
    this.core.step({ type: 'flush' });
    const ready = this.core.takeReady();
    for (const warning of ready.warnings) this.onWarning(warning);
    if (ready.persist) this.bus.publish({ type: 'storage.persist', request: ready.persist });
    if (ready.messages.length > 0) this.bus.publish({ type: 'net.send', messages: ready.messages });
    if (ready.committed.length > 0) this.bus.publish({ type: 'storage.apply', entries: ready.committed });
    if (ready.snapshots.length > 0) this.bus.publish({ type: 'storage.snapshot', commands: ready.snapshots });
    if (ready.membership !== null) this.bus.publish({ type: 'raft.membership', ...ready.membership });
    if (ready.accepted.length + ready.refused.length + ready.readsReady.length + ready.leaderTransfers.length + ready.membershipChanges.length > 0) {
      this.bus.publish({
        type: 'raft.outcomes',
        accepted: ready.accepted,
        refused: ready.refused,
        readsReady: ready.readsReady,
        leaderTransfers: ready.leaderTransfers,
        membershipChanges: ready.membershipChanges,
      });
    }
    this.reportStatus();
  }

  private reportStatus(): void {
    const view = this.core.view();
    const status: NodeStatusEvent = {
      role: view.role,
      term: view.term,
      leader: view.leader,
      commitIndex: view.commitIndex,
      firstIndex: view.firstIndex,
      lastIndex: view.lastIndex,
    };
    const before = this.reported;
    if (
      before &&
      before.role === status.role &&
      before.term === status.term &&
      before.leader === status.leader &&
      before.commitIndex === status.commitIndex &&
      before.firstIndex === status.firstIndex &&
      before.lastIndex === status.lastIndex
    ) {
      return;
    }
    this.reported = status;
    this.bus.publish({ type: 'raft.status', ...status });
  }
}
