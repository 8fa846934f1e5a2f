/**
 * InstallSnapshot in the core (Raft section 7, dissertation chapter 5): when
 * a leader's follower needs entries it has compacted, and when a follower
 * receives a snapshot. Pure like the rest of the core: the bytes never pass
 * through here; the actors stream chunks on the SnapshotCommands this emits
 * and report back with snapshotStaged / snapshotInstalled inputs.
 *
 * Leader: a follower whose next entry is compacted enters Progress state
 * `snapshot` with a new transfer id and gets a `send`; each chunk answer
 * asks for the `next` one (one chunk in flight: flow control); a transfer
 * unanswered for a while, or refused, starts over with a new id; the answer
 * `installed` moves the follower back to probing from there.
 *
 * Follower: a snapshot no newer than the commit index is answered at once
 * (nothing to install); otherwise each chunk goes to the stager. Once the
 * state machine has switched to the snapshot, the log restarts at the
 * snapshot's point, and the answer waits until that is on disk too.
 */
import type { RaftLog } from './log.js';
import type { PersistTracker } from './persist-tracker.js';
import type { Progress } from './progress.js';
import type { SnapshotCommand } from './ready.js';
import type { ClusterConfig } from './membership/config.js';
import type { InstallSnapshot, InstallSnapshotResponse, LogIndex, LogPoint, Message, NodeId, Term } from './types.js';

/** What the snapshot logic needs from the core it belongs to. */
export interface SnapshotHost {
  readonly id: NodeId;
  term(): Term;
  commitIndex(): LogIndex;
  readonly log: RaftLog;
  readonly persistence: PersistTracker;
  /** Sends a message now. */
  send(message: Message): void;
  /** Sends a message once everything it vouches for is on disk. */
  sendDurable(message: Message): void;
  /**
   * The state machine holds everything up to index: commit and hand-out
   * indexes move up to it. `logRestarted`: the log now starts at index, and
   * the snapshot's `config` (when it records one) is the base of the log's configurations.
   */
  restarted(index: LogIndex, logRestarted: boolean, config: ClusterConfig | undefined): void;
  /** A follower's match index moved: the leader may commit more. */
  matched(): void;
}

export class SnapshotTransfers {
  private commands: SnapshotCommand[] = [];
  private lastTransfer = 0;

  constructor(private readonly host: SnapshotHost) {}

  take(): SnapshotCommand[] {
    const taken = this.commands;
    this.commands = [];
    return taken;
  }

  // ------------------------------------------------------------ leader

  /** The follower needs compacted entries: start a transfer (ending any under way). */
  start(peer: NodeId, progress: Progress): void {
    if (progress.state === 'snapshot') this.commands.push({ kind: 'close', to: peer, transfer: progress.transfer });
    progress.becomeSnapshot(++this.lastTransfer);
    this.commands.push({ kind: 'send', to: peer, term: this.host.term(), transfer: progress.transfer });
  }

  handleResponse(m: InstallSnapshotResponse, progress: Progress): void {
    if (progress.state !== 'snapshot' || progress.transfer !== m.transfer) return; // an earlier transfer's answer
    progress.ticksWithoutAppendReply = 0;
    if (m.installed > 0) {
      this.commands.push({ kind: 'close', to: m.from, transfer: m.transfer });
      progress.snapshotInstalled(m.installed);
      this.host.matched();
    } else if (m.next < 0) {
      this.start(m.from, progress);
    } else {
      this.commands.push({ kind: 'next', to: m.from, transfer: m.transfer, seq: m.next });
    }
  }

  /** A transfer unanswered for too long (a chunk or its answer lost): start over. */
  stalled(peer: NodeId, progress: Progress): void {
    this.start(peer, progress);
  }

  /** Leadership lost: every transfer ends. */
  abandon(progress: ReadonlyMap<NodeId, Progress>): void {
    for (const [peer, p] of progress) {
      if (p.state === 'snapshot') this.commands.push({ kind: 'close', to: peer, transfer: p.transfer });
    }
  }

  // ------------------------------------------------------------ follower

  handleChunk(m: InstallSnapshot): void {
    const commit = this.host.commitIndex();
    if (m.snapshot.index <= commit) {
      // Older than what we know committed: installing it would move the state machine back.
      this.host.sendDurable(this.response(m.from, m.transfer, -1, commit));
      return;
    }
    this.commands.push({ kind: 'stage', message: m });
  }

  staged(leader: NodeId, term: Term, transfer: number, next: number): void {
    if (term !== this.host.term()) return; // the leader that sent it is gone
    this.host.send(this.response(leader, transfer, next, 0));
  }

  /**
   * The state machine is now the snapshot at `point`, durably. If that is
   * past the commit index, the log restarts there (keeping what follows
   * when it holds the snapshot's last entry, section 7); the answer vouches
   * for that write, so it waits for it.
   */
  installed(leader: NodeId, term: Term, transfer: number, point: LogPoint, config: ClusterConfig | undefined): void {
    const { log, persistence } = this.host;
    const restartsLog = point.index > this.host.commitIndex();
    if (restartsLog) {
      const before = log.start();
      const keeps = point.index <= log.lastIndex() && log.matches(point.index, point.term);
      log.restartAt(point);
      persistence.restarted(before, log.start(), keeps);
    }
    // Even when the commit index got there first (appends during the install), the state machine
    // now holds everything up to the snapshot: those entries must not be handed out to apply again.
    this.host.restarted(point.index, restartsLog, config);
    if (term !== this.host.term()) return;
    this.host.sendDurable(this.response(leader, transfer, -1, this.host.commitIndex()));
  }

  private response(to: NodeId, transfer: number, next: number, installed: LogIndex): InstallSnapshotResponse {
    return { type: 'InstallSnapshotResponse', from: this.host.id, to, term: this.host.term(), transfer, next, installed };
  }
}
