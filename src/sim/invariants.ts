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
 *
 * Membership changes: who counts is each node's own configuration (the
 * latest in its log, or in its durable log for the node it would restart
 * as). DISJOINT_MAJORITIES checks that no two elections in one term can be
 * won with disjoint electorates, under any configuration a log could be in.
 */
import type { BusEvent } from '../bus/events.js';
import type { RaftCore } from '../raft/core.js';
import { ENTRY_CONFIG, type Entry, type HardState, type Message, type NodeId } from '../raft/types.js';
import { decodeConfig, votersOf, votersOnlyConfig, type ClusterConfig } from '../raft/membership/config.js';
import { quorumSize } from '../raft/quorum.js';
import { disjointMajorities, majoritiesMayBeDisjoint } from './majorities.js';
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
  /** Indexes of the configuration entries in the log as last seen, ascending. */
  configIndexes: number[];
}

/** A log's end, for the up-to-date comparison of section 5.4.1. */
interface LogEnd {
  readonly lastIndex: number;
  readonly lastTerm: number;
}

/** A way a node could campaign: a configuration it could be in and the log that goes with it. */
interface Campaign {
  readonly node: string;
  readonly config: ClusterConfig;
  readonly voters: readonly NodeId[];
  readonly log: LogEnd;
  /** 'memory': as it runs now; 'disk': as it would restart. */
  readonly from: 'memory' | 'disk';
}

/** Voter ids, and them as a key ("n1,n2,n3"), remembered per configuration object (checks run after every event). */
const voterLists = new WeakMap<ClusterConfig, { voters: readonly NodeId[]; key: string }>();
function votersIn(config: ClusterConfig): { voters: readonly NodeId[]; key: string } {
  let known = voterLists.get(config);
  if (known === undefined) {
    const voters = votersOf(config);
    voterLists.set(config, (known = { voters, key: voters.join(',') }));
  }
  return known;
}

function describeConfig(config: ClusterConfig): string {
  const learners = config.members.filter((m) => m.role === 'learner').map((m) => m.id);
  return `{${votersOf(config).join(',')}}${learners.length > 0 ? `+learners{${learners.join(',')}}` : ''}`;
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
  private byId = new Map<string, SimNode>();
  /** The bootstrap configuration (what a founder with no configuration on disk starts in). */
  private founding: ClusterConfig = votersOnlyConfig([]);
  private founders = new Set<string>();
  /** The configuration each node's durable log puts it in, and the disk state it was read from. */
  private readonly durableConfigs = new WeakMap<SimNode, { key: readonly unknown[]; config: ClusterConfig | null }>();
  /** Voter-set pairs already judged by majoritiesMayBeDisjoint. */
  private readonly riskyPairs = new Map<string, boolean>();

  /** The whole cluster, for checks that look at every node's log; `founders` bootstrap it, the rest join. */
  watch(nodes: readonly SimNode[], founders: readonly string[] = nodes.map((n) => n.id)): void {
    this.nodes = nodes;
    this.byId = new Map(nodes.map((n) => [n.id, n]));
    this.founders = new Set(founders);
    this.founding = votersOnlyConfig(founders);
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
      configIndexes: [],
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
    this.checkTailConfigs(node.id, core, track, view.firstIndex, view.lastIndex);
    this.checkElections();
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
    if (track.configIndexes.length > 0 && track.configIndexes.at(-1)! > i) track.configIndexes = track.configIndexes.filter((k) => k <= i);
    for (let index = Math.max(i + 1, firstIndex); index <= lastIndex; index++) {
      const entry = core.entry(index)!;
      track.shadow[index - 1] = entry;
      if (entry.type === ENTRY_CONFIG) track.configIndexes.push(index);
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
    for (const x of this.nodes) {
      if (x.incarnation === 0) continue; // a spare never started holds nothing and campaigns in no configuration
      const logs: Array<LogEnd & { at: Entry | 'compacted' | undefined; config: ClusterConfig | null }> = [
        { ...lastOnDisk(x.disk), at: onDisk(x.disk, index), config: this.durableConfig(x) },
      ];
      const memory = x.parts?.core;
      if (memory) {
        const { firstIndex, lastIndex: last, config } = memory.view();
        const at = index < firstIndex ? 'compacted' : memory.entry(index);
        logs.push({ lastIndex: last, lastTerm: memory.entry(last)?.term ?? x.disk.logStart.term, at, config });
      }
      for (const log of logs) {
        // A compacted entry is in the node's snapshot: committed there, it cannot be lost.
        if (log.at === 'compacted' || (log.at && sameEntry(log.at, entry))) continue;
        // Only a voter of the configuration it is in campaigns, and it needs a majority of that configuration.
        if (log.config === null || !votersIn(log.config).voters.includes(x.id)) continue;
        const electorate = votersIn(log.config).voters;
        const voters = electorate.filter((y) => y === x.id || upToDate(log, this.durableEnd(y)));
        if (voters.length >= quorumSize(electorate.length)) {
          violation('COMMITTED_ENTRY_AT_RISK', `${node} committed index ${index} (term ${entry.term}), but ${x.id} lacks it and could win an election in configuration ${describeConfig(log.config)} with votes from ${voters.join(', ')}`, node);
        }
      }
    }
  }

  /** The end of a node's durable log (an empty log for an id no simulated node has). */
  private durableEnd(id: NodeId): LogEnd {
    const node = this.byId.get(id);
    return node ? lastOnDisk(node.disk) : { lastIndex: 0, lastTerm: 0 };
  }

  /**
   * The configuration a node would restart in: the latest configuration
   * entry of its durable log, else its snapshot's, else the bootstrap one (a
   * founder) or none (a joining node). Read again only when the disk changed.
   */
  private durableConfig(node: SimNode): ClusterConfig | null {
    const disk = node.disk;
    const key = [disk.entries, disk.entries.length, disk.entries.at(-1), disk.logStart.index, disk.snapshot];
    const known = this.durableConfigs.get(node);
    if (known && known.key.every((k, i) => k === key[i])) return known.config;
    let config: ClusterConfig | null = null;
    let found = false;
    for (let i = disk.entries.length - 1; i >= 0 && !found; i--) {
      const entry = disk.entries[i]!;
      if (entry.type !== ENTRY_CONFIG) continue;
      const decoded = decodeConfig(entry.data);
      if (!decoded.ok) violation('NODE_CRASHED', `configuration entry ${entry.index} on ${node.id}'s disk does not decode: ${decoded.problem}`, node.id);
      config = decoded.config;
      found = true;
    }
    if (!found) config = disk.snapshot?.config ?? (this.founders.has(node.id) ? this.founding : null);
    this.durableConfigs.set(node, { key, config });
    return config;
  }

  /**
   * DISJOINT_MAJORITIES, in one log: the configuration in force at the
   * highest committed index and every configuration entry after it are the
   * configurations this log could yet put the cluster in. A leader that
   * changes one server at a time, and only once its previous change is
   * committed, leaves every pair of them with intersecting majorities.
   */
  private checkTailConfigs(node: string, core: RaftCore, track: Track, firstIndex: number, lastIndex: number): void {
    const committed = this.committed.length - 1;
    if (track.configIndexes.length === 0 || track.configIndexes.at(-1)! <= committed || committed > lastIndex) return;
    // A log that lost a committed entry is on a branch no one can elect from (other checks say so if it could).
    const known = committed >= firstIndex ? this.committed[committed] : undefined;
    const ours = core.entry(committed);
    if (known && (!ours || !sameEntry(known.entry, ours))) return;
    const points = [{ index: committed, config: core.configAt(Math.max(committed, 0)) }];
    for (const index of track.configIndexes) if (index > committed) points.push({ index, config: core.configAt(index) });
    for (let i = 0; i < points.length; i++) {
      for (let j = i + 1; j < points.length; j++) {
        const a = points[i]!;
        const b = points[j]!;
        if (!a.config || !b.config) continue;
        const split = disjointMajorities({ voters: votersOf(a.config) }, { voters: votersOf(b.config) });
        if (split) {
          violation('DISJOINT_MAJORITIES', `${node}'s log could put the cluster in ${describeConfig(a.config)} (in force at index ${a.index}${i === 0 ? ', the highest committed' : ''}) and in ${describeConfig(b.config)} (entry ${b.index}, uncommitted): majorities {${split[0].join(',')}} and {${split[1].join(',')}} share no node`, node);
        }
      }
    }
  }

  /**
   * DISJOINT_MAJORITIES, across nodes: no two nodes may each be able to win
   * an election of one term, each in a configuration it could be in (in
   * memory, or on disk after a restart), with electorates that share no
   * node. A voter is counted as willing when the candidate's log is at least
   * as up-to-date as the voter's durable log; every other refusal (leases,
   * removed senders) is ignored, so the check is conservative. Cheap when
   * every node is in the same voter set or in sets one server apart.
   */
  private checkElections(): void {
    const campaigns: Campaign[] = [];
    for (const x of this.nodes) {
      if (x.incarnation === 0) continue;
      const disk = this.durableConfig(x);
      if (disk && votersIn(disk).voters.includes(x.id)) campaigns.push({ node: x.id, config: disk, voters: votersIn(disk).voters, log: lastOnDisk(x.disk), from: 'disk' });
      const core = x.parts?.core;
      if (!core) continue;
      const view = core.view();
      if (view.config && votersIn(view.config).voters.includes(x.id)) {
        const log = { lastIndex: view.lastIndex, lastTerm: core.entry(view.lastIndex)?.term ?? x.disk.logStart.term };
        campaigns.push({ node: x.id, config: view.config, voters: votersIn(view.config).voters, log, from: 'memory' });
      }
    }
    for (let i = 0; i < campaigns.length; i++) {
      for (let j = i + 1; j < campaigns.length; j++) {
        const a = campaigns[i]!;
        const b = campaigns[j]!;
        if (a.node === b.node || !this.mayBeDisjoint(a.config, b.config)) continue;
        const willing = (c: Campaign) => (voter: NodeId) => upToDate(c.log, this.durableEnd(voter));
        const split = disjointMajorities({ voters: a.voters, candidate: a.node, willing: willing(a) }, { voters: b.voters, candidate: b.node, willing: willing(b) });
        if (split) {
          violation('DISJOINT_MAJORITIES', `${a.node} (${a.from}: ${describeConfig(a.config)}, log ends ${a.log.lastIndex}/t${a.log.lastTerm}) could be elected by {${split[0].join(',')}} and ${b.node} (${b.from}: ${describeConfig(b.config)}, log ends ${b.log.lastIndex}/t${b.log.lastTerm}) by {${split[1].join(',')}} in the same term`, a.node);
        }
      }
    }
  }

  private mayBeDisjoint(a: ClusterConfig, b: ClusterConfig): boolean {
    const ka = votersIn(a).key;
    const kb = votersIn(b).key;
    if (ka === kb) return false;
    const pair = `${ka}|${kb}`;
    let risky = this.riskyPairs.get(pair);
    if (risky === undefined) this.riskyPairs.set(pair, (risky = majoritiesMayBeDisjoint(votersIn(a).voters, votersIn(b).voters)));
    return risky;
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
