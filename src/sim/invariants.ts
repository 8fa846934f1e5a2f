/**
 * Raft's safety properties (Figure 3 of the paper, plus durability before
 * acknowledgement), checked after every delivered event. Each check is
 * incremental: a node's log is followed through entry identity (a log only
 * changes by appending and truncating), so a step costs what it changed.
 *
 * Logs are compacted into snapshots, so the log checks look at each node's
 * retained suffix only (entries before its first index are in its snapshot),
 * and State Machine Safety is also checked on the state machines themselves:
 * two nodes that have applied the same index hold the same state (a digest
 * of every key and session), however each got there (applies or installs).
 */
import type { BusEvent } from '../bus/events.js';
import type { RaftCore } from '../raft/core.js';
import type { Entry, HardState, Message } from '../raft/types.js';
import type { DiskObserver, SimDisk } from './disk.js';
import type { SimNode } from './node.js';
import { violation } from './violation.js';

interface Committed {
  readonly entry: Entry;
  /** Term of the leader that first reported it committed. */
  readonly commitTerm: number;
}

/** What the checker remembers of one node incarnation. */
interface Track {
  incarnation: number;
  /** The entry objects of the node's log as last seen (index i at i - 1). */
  shadow: Entry[];
  commit: number;
  term: number;
  /** While leader: the term, and the last entry seen (a leader's log only grows). */
  leaderTerm: number;
  leaderLast: number;
  leaderEntry: Entry | undefined;
}

/** The last entry of a node's durable log (its start when it holds none). */
function lastOnDisk(disk: SimDisk): { lastIndex: number; lastTerm: number } {
  return { lastIndex: disk.lastIndex(), lastTerm: disk.entries.at(-1)?.term ?? disk.logStart.term };
}

/** The durable entry at index; 'compacted' when it is in the disk's snapshot. */
function onDisk(disk: SimDisk, index: number): Entry | 'compacted' | undefined {
  return index <= disk.logStart.index ? 'compacted' : disk.entries[index - disk.logStart.index - 1];
}

/** Section 5.4.1's comparison: is log a at least as up-to-date as log b? */
function upToDate(a: { lastIndex: number; lastTerm: number }, b: { lastIndex: number; lastTerm: number }): boolean {
  return a.lastTerm > b.lastTerm || (a.lastTerm === b.lastTerm && a.lastIndex >= b.lastIndex);
}

export function sameEntry(a: Entry, b: Entry): boolean {
  return a === b || (a.term === b.term && a.type === b.type && Buffer.compare(a.data, b.data) === 0);
}

export class SafetyChecker implements DiskObserver {
  private readonly tracks = new Map<string, Track>();
  /** term -> leader */
  readonly leaders = new Map<number, string>();
  /** index -> term -> (entry, term of the entry before it): Log Matching. */
  private readonly seen: Array<Map<number, { entry: Entry; prevTerm: number }>> = [];
  readonly committed: Committed[] = [];
  readonly applied: Entry[] = [];
  /** applied index -> digest of the state machine there, and the node that first reached it. */
  private readonly states = new Map<number, { digest: string; node: string }>();
  private nodes: readonly SimNode[] = [];

  /** The whole cluster, for checks that look at every node's log. */
  watch(nodes: readonly SimNode[]): void {
    this.nodes = nodes;
  }

  started(node: SimNode): void {
    this.tracks.set(node.id, {
      incarnation: node.incarnation,
      shadow: [],
      commit: 0,
      term: 0,
      leaderTerm: -1,
      leaderLast: 0,
      leaderEntry: undefined,
    });
    this.delivered(node, null);
  }

  /** After node handled `event` (null: just built). */
  delivered(node: SimNode, event: BusEvent | null): void {
    const core = node.parts?.core;
    const track = this.tracks.get(node.id);
    if (!core || !track) return;
    const view = core.view();
    if (view.term < track.term) violation('TERM_REGRESSED', `term went from ${track.term} to ${view.term}`, node.id);
    track.term = view.term;
    this.followLog(node.id, core, track, view.firstIndex, view.lastIndex);
    this.checkLeader(node.id, core, track, view.role === 'leader', view.term, view.lastIndex);
    this.checkCommit(node.id, core, track, view.firstIndex, view.commitIndex, view.term, event !== null);
    if (event?.type === 'storage.apply') this.checkApplied(node.id, event.entries);
    if (event?.type === 'net.send') for (const m of event.messages) this.checkDurable(node, core, m);
  }

  hardStatePersisted(node: string, before: HardState, after: HardState): void {
    if (after.term < before.term) violation('TERM_REGRESSED', `persisted term went from ${before.term} to ${after.term}`, node);
    if (after.term === before.term && before.vote !== null && after.vote !== before.vote) {
      violation('VOTE_CHANGED', `persisted vote in term ${after.term} changed from ${before.vote} to ${after.vote}`, node);
    }
  }

  stateMachineChanged(node: string, appliedIndex: number, digest: string): void {
    const known = this.states.get(appliedIndex);
    if (!known) this.states.set(appliedIndex, { digest, node });
    else if (known.digest !== digest) {
      violation('STATE_MACHINE_SAFETY', `state machines differ at applied index ${appliedIndex}: ${known.node} and ${node} hold different keys or sessions`, node);
    }
  }

  /** Finds entries new since the last look (by identity) and checks Log Matching on each retained one. */
  private followLog(node: string, core: RaftCore, track: Track, firstIndex: number, lastIndex: number): void {
    let i = lastIndex;
    while (i >= firstIndex && track.shadow[i - 1] !== core.entry(i)) i--;
    track.shadow.length = Math.min(track.shadow.length, lastIndex);
    for (let index = Math.max(i + 1, firstIndex); index <= lastIndex; index++) {
      const entry = core.entry(index)!;
      track.shadow[index - 1] = entry;
      if (entry.index !== index) violation('LOG_MATCHING', `entry ${entry.index} stored at index ${index}`, node);
      // The first retained entry follows the log's start, whose term the core keeps but no entry shows.
      const prevTerm = index === 1 ? 0 : index === firstIndex ? null : core.entry(index - 1)!.term;
      this.matchEntry(node, index, entry, prevTerm);
    }
  }

  /**
   * Log Matching, inductively: two entries with the same index and term hold
   * the same command and follow entries of the same term, so their logs agree
   * on every earlier index too.
   */
  private matchEntry(node: string, index: number, entry: Entry, prevTerm: number | null): void {
    let byTerm = this.seen[index];
    if (!byTerm) this.seen[index] = byTerm = new Map();
    const known = byTerm.get(entry.term);
    if (!known) {
      if (prevTerm !== null) byTerm.set(entry.term, { entry, prevTerm });
      return;
    }
    if (!sameEntry(known.entry, entry)) violation('LOG_MATCHING', `two different entries at index ${index} term ${entry.term}`, node);
    if (prevTerm !== null && known.prevTerm !== prevTerm) {
      violation('LOG_MATCHING', `entries at index ${index} term ${entry.term} follow terms ${known.prevTerm} and ${prevTerm}`, node);
    }
  }

  private checkLeader(node: string, core: RaftCore, track: Track, leader: boolean, term: number, lastIndex: number): void {
    if (!leader) {
      track.leaderTerm = -1;
      return;
    }
    if (track.leaderTerm === term) {
      const compacted = track.leaderLast < core.view().firstIndex;
      if (lastIndex < track.leaderLast || (!compacted && core.entry(track.leaderLast) !== track.leaderEntry)) {
        violation('LEADER_APPEND_ONLY', `leader of term ${term} changed its log at or before index ${track.leaderLast}`, node);
      }
    } else {
      this.newLeader(node, core, term);
      track.leaderTerm = term;
    }
    track.leaderLast = lastIndex;
    track.leaderEntry = core.entry(lastIndex);
  }

  private newLeader(node: string, core: RaftCore, term: number): void {
    const other = this.leaders.get(term);
    if (other !== undefined && other !== node) violation('ELECTION_SAFETY', `${other} and ${node} both leaders of term ${term}`, node);
    this.leaders.set(term, node);
    // Entries before the leader's first index are in its snapshot; the state-machine digests cover those.
    for (let index = core.view().firstIndex; index < this.committed.length; index++) {
      const c = this.committed[index];
      if (!c || c.commitTerm >= term) continue;
      const ours = core.entry(index);
      if (!ours || !sameEntry(ours, c.entry)) {
        violation('LEADER_COMPLETENESS', `leader of term ${term} lacks entry ${index} (term ${c.entry.term}) committed in term ${c.commitTerm}`, node);
      }
    }
  }

  private checkCommit(node: string, core: RaftCore, track: Track, firstIndex: number, commitIndex: number, term: number, stepped: boolean): void {
    if (commitIndex < track.commit) violation('COMMIT_REGRESSED', `commit index went from ${track.commit} to ${commitIndex}`, node);
    // A commit index that jumps past the first index came with a snapshot: the digests check what it holds.
    for (let index = Math.max(track.commit + 1, firstIndex); index <= commitIndex; index++) {
      const entry = core.entry(index);
      if (!entry) violation('STATE_MACHINE_SAFETY', `commit index ${commitIndex} beyond the log`, node);
      const known = this.committed[index];
      if (!known) this.committed[index] = { entry, commitTerm: term };
      else if (!sameEntry(known.entry, entry)) {
        violation('STATE_MACHINE_SAFETY', `index ${index} committed as term ${known.entry.term} and as term ${entry.term}`, node);
      }
    }
    // A restarted node's commit index is its applied index: committed long ago, nothing new to check.
    if (commitIndex > track.commit && stepped && commitIndex >= firstIndex) this.checkCommitSafe(node, core, commitIndex);
    track.commit = commitIndex;
  }

  /**
   * A committed entry must survive every future election (the point of the
   * Figure 8 rule). Check it the moment it commits: no node without the entry
   * (by its log in memory, or the one it would restart with) may have a log at
   * least as up-to-date as the durable logs of a majority, for then it could
   * win an election and overwrite the entry.
   */
  private checkCommitSafe(node: string, core: RaftCore, index: number): void {
    const entry = core.entry(index)!;
    const durable = this.nodes.map((n) => lastOnDisk(n.disk));
    const quorum = Math.floor(this.nodes.length / 2) + 1;
    for (const x of this.nodes) {
      const logs: Array<{ lastIndex: number; lastTerm: number; at: Entry | 'compacted' | undefined }> = [
        { ...lastOnDisk(x.disk), at: onDisk(x.disk, index) },
      ];
      const memory = x.parts?.core;
      if (memory) {
        const { firstIndex, lastIndex: last } = memory.view();
        const at = index < firstIndex ? 'compacted' : memory.entry(index);
        logs.push({ lastIndex: last, lastTerm: memory.entry(last)?.term ?? x.disk.logStart.term, at });
      }
      for (const log of logs) {
        // A compacted entry is in the node's snapshot: committed there, it cannot be lost.
        if (log.at === 'compacted' || (log.at && sameEntry(log.at, entry))) continue;
        const voters = this.nodes.filter((y, i) => y === x || upToDate(log, durable[i]!));
        if (voters.length >= quorum) {
          violation('COMMITTED_ENTRY_AT_RISK', `${node} committed index ${index} (term ${entry.term}), but ${x.id} lacks it and could win an election with votes from ${voters.map((y) => y.id).join(', ')}`, node);
        }
      }
    }
  }

  private checkApplied(node: string, entries: readonly Entry[]): void {
    for (const entry of entries) {
      const known = this.applied[entry.index];
      if (!known) this.applied[entry.index] = entry;
      else if (!sameEntry(known, entry)) {
        violation('STATE_MACHINE_SAFETY', `index ${entry.index} applied as term ${known.term} and as term ${entry.term}`, node);
      }
    }
  }

  /** A vote or an append acknowledgement vouches for state that must already be on disk. */
  private checkDurable(node: SimNode, core: RaftCore, m: Message): void {
    const disk = node.disk;
    if (m.type === 'RequestVoteResponse' && m.granted) {
      const hs = disk.hardState;
      if (hs.term < m.term || (hs.term === m.term && hs.vote !== m.to)) {
        violation('DURABLE_BEFORE_ACK', `vote for ${m.to} in term ${m.term} sent with ${JSON.stringify(hs)} on disk`, node.id);
      }
    }
    if (m.type === 'AppendEntriesResponse' && m.success && m.matchIndex > 0) {
      const stored = onDisk(disk, m.matchIndex);
      const inLog = core.entry(m.matchIndex);
      if (!stored || (stored !== 'compacted' && inLog !== undefined && stored.term !== inLog.term)) {
        violation('DURABLE_BEFORE_ACK', `append acknowledged up to ${m.matchIndex} with the log on disk ending at ${disk.lastIndex()}`, node.id);
      }
    }
    if (m.type === 'InstallSnapshotResponse' && m.installed > 0) {
      // The log on disk must reach the index (as entries, or as its start after an install), and a
      // log that starts there must stand on a state machine that does too.
      const held = onDisk(disk, m.installed) !== undefined && disk.appliedIndex >= disk.logStart.index;
      if (!held) {
        violation('DURABLE_BEFORE_ACK', `snapshot acknowledged up to ${m.installed} with the log on disk at ${disk.logStart.index + 1}..${disk.lastIndex()} and the state machine at ${disk.appliedIndex}`, node.id);
      }
    }
  }
}
