/**
 * The relations between a message's own fields that the core relies on, so
 * that no message from the network can reach one of its assertions: entry
 * indexes contiguous from prevLogIndex + 1, terms non-decreasing and never
 * above the message's term, every term and index within a sane bound, and
 * every cluster configuration (in an entry or a snapshot) well formed.
 * Pure and cheap (one pass over the entries): the transport edge runs it on
 * every frame, and the core runs it again on every message it steps.
 */
import { configProblem, decodeConfig } from './membership/config.js';
import { ENTRY_CONFIG, type Message } from './types.js';

/**
 * The largest term a node accepts or reaches. One election a millisecond
 * would take 140,000 years to get here, and it leaves room above for the
 * arithmetic the core does, so every term the node could ever persist is one
 * it accepts again when it restarts (storage refuses only unsafe integers).
 */
export const TERM_MAX = 2 ** 52;

/**
 * How far above its own term a node lets a message lift it. An absolute bound
 * alone would let one forged frame of term TERM_MAX wedge a cluster for good
 * (nobody could campaign past it); with this, each frame moves a term by at
 * most 2^20 (about 3 days of back-to-back 250 ms elections), so reaching
 * TERM_MAX takes 2^32 accepted frames. The price: a node whose term fell
 * further behind than that (down or partitioned for days while the others
 * held that many elections) cannot rejoin until it is wiped. A node at term 0
 * (a fresh or wiped one) accepts any term up to TERM_MAX, so it can join.
 */
export const TERM_JUMP_MAX = 2 ** 20;

/** The largest log index (or commit index, or read round) a message may carry; same reasoning as TERM_MAX. */
export const INDEX_MAX = 2 ** 52;

/** What is wrong with the relations between m's fields, or null. Assumes the shape was checked. */
export function messageRelationProblem(m: Message): string | null {
  if (m.term < 1) return 'term 0 (no message is ever sent in term 0)';
  if (m.term > TERM_MAX) return `term above TERM_MAX (${TERM_MAX})`;
  if (m.from === m.to) return 'message from a node to itself';
  switch (m.type) {
    case 'RequestVote':
    case 'PreVote':
      if (m.lastLogTerm > m.term) return 'lastLogTerm above the message term';
      return indexProblem('lastLogIndex', m.lastLogIndex);
    case 'InstallSnapshot':
      if (m.snapshot.term > m.term) return 'snapshot term above the message term';
      if ((m.snapshot.index === 0) !== (m.snapshot.term === 0)) return 'snapshot term is 0 exactly when its index is 0';
      if (m.snapshot.config !== undefined) {
        const problem = configProblem(m.snapshot.config);
        if (problem !== null) return `snapshot configuration ${problem}`;
      }
      return indexProblem('snapshot index', m.snapshot.index) ?? indexProblem('chunk seq', m.seq);
    case 'InstallSnapshotResponse':
      return indexProblem('installed', m.installed) ?? indexProblem('next', m.next);
    case 'AppendEntries':
      return appendProblem(m);
    case 'AppendEntriesResponse':
      if (m.conflictTerm > m.term) return 'conflictTerm above the message term';
      return indexProblem('matchIndex', m.matchIndex) ?? indexProblem('conflictIndex', m.conflictIndex) ?? indexProblem('rejectedIndex', m.rejectedIndex);
    case 'Heartbeat':
      return indexProblem('commit', m.commit) ?? indexProblem('readRound', m.readRound);
    case 'HeartbeatResponse':
      return indexProblem('readRound', m.readRound);
    default:
      return null;
  }
}

function appendProblem(m: Message & { type: 'AppendEntries' }): string | null {
  if (m.prevLogTerm > m.term) return 'prevLogTerm above the message term';
  if ((m.prevLogIndex === 0) !== (m.prevLogTerm === 0)) return 'prevLogTerm is 0 exactly when prevLogIndex is 0';
  const lastIndex = m.prevLogIndex + m.entries.length;
  const problem = indexProblem('prevLogIndex', m.prevLogIndex) ?? indexProblem('last entry index', lastIndex) ?? indexProblem('leaderCommit', m.leaderCommit);
  if (problem !== null) return problem;
  let previousTerm = m.prevLogTerm;
  for (let i = 0; i < m.entries.length; i++) {
    const entry = m.entries[i]!;
    if (entry.index !== m.prevLogIndex + 1 + i) {
      return `entry indexes not contiguous from prevLogIndex + 1: entries[${i}].index is ${entry.index}, expected ${m.prevLogIndex + 1 + i}`;
    }
    if (entry.term < 1) return `entries[${i}].term is 0`;
    if (entry.term < previousTerm) return `entry terms go back: entries[${i}].term ${entry.term} after ${previousTerm}`;
    if (entry.term > m.term) return `entries[${i}].term ${entry.term} above the message term ${m.term}`;
    if (entry.type === ENTRY_CONFIG) {
      // Rare (one per membership change), so decoding it here costs nothing on the hot path.
      const decoded = decodeConfig(entry.data);
      if (!decoded.ok) return `entries[${i}]: ${decoded.problem}`;
    }
    previousTerm = entry.term;
  }
  return null;
}

function indexProblem(name: string, value: number): string | null {
  return value > INDEX_MAX ? `${name} above INDEX_MAX (${INDEX_MAX})` : null;
}
