/**
 * This node's election history: one record per term it took part in, saying
 * who stood, who won, which votes the winner got (when this node is the one
 * that counted them) and why the election started. Built from events at the
 * bus tap only; bounded to the last ELECTIONS_KEPT terms.
 */
import type { NodeStatusEvent } from '../bus/events.js';
import type { Message } from '../raft/types.js';

export const ELECTIONS_KEPT = 50;

export interface ElectionRecord {
  readonly term: number;
  /** Wall time (ms since the epoch) this node first saw the term. */
  readonly startedMs: number;
  /** Nodes seen asking for votes in this term (this node included when it stood). */
  readonly candidates: string[];
  /** The leader of the term, once known. */
  leader: string | null;
  /** Wall time the leader became known here. */
  electedMs: number | null;
  /** Votes granted to this node, when it stood. */
  readonly votesGranted: string[];
  /** The leader this node knew before the term began. */
  readonly previousLeader: string | null;
  /** Why this node saw an election: its own timeout, or a vote request from a peer. */
  reason: string;
}

export class ElectionHistory {
  private readonly records: ElectionRecord[] = [];
  private knownLeader: string | null = null;

  constructor(private readonly self: string) {}

  /** Records from oldest to newest. */
  list(): readonly ElectionRecord[] {
    return this.records;
  }

  observeStatus(status: NodeStatusEvent, nowMs: number): void {
    if (status.term === 0) return;
    const record = this.recordFor(status.term, nowMs);
    // A node that wins within one batch (a single-node cluster) reports leader without a candidate status first.
    const stood = status.role === 'candidate' || (status.role === 'leader' && record.candidates.length === 0);
    if (stood && !record.candidates.includes(this.self)) {
      addOnce(record.candidates, this.self);
      record.reason = `election timeout on ${this.self}: ${record.previousLeader === null ? 'no leader known' : `no word from leader ${record.previousLeader}`}`;
    }
    if (status.leader !== null && record.leader === null) {
      record.leader = status.leader;
      record.electedMs = nowMs;
    }
    if (status.leader !== null) this.knownLeader = status.leader;
  }

  observeMessage(message: Message, nowMs: number): void {
    if (message.type === 'RequestVote') {
      const record = this.recordFor(message.term, nowMs);
      if (message.from !== this.self) {
        addOnce(record.candidates, message.from);
        if (record.reason === '') {
          const previous = record.previousLeader === null ? '' : ` (the leader before: ${record.previousLeader})`;
          record.reason = `${message.from} stood for election${previous}`;
        }
      }
    } else if (message.type === 'RequestVoteResponse' && message.granted && message.to === this.self) {
      addOnce(this.recordFor(message.term, nowMs).votesGranted, message.from);
    }
  }

  private recordFor(term: number, nowMs: number): ElectionRecord {
    const last = this.records.at(-1);
    if (last !== undefined && last.term === term) return last;
    const existing = this.records.find((r) => r.term === term);
    if (existing !== undefined) return existing;
    const record: ElectionRecord = {
      term,
      startedMs: nowMs,
      candidates: [],
      leader: null,
      electedMs: null,
      votesGranted: [],
      previousLeader: this.knownLeader,
      reason: '',
    };
    this.records.push(record);
    this.records.sort((a, b) => a.term - b.term);
    if (this.records.length > ELECTIONS_KEPT) this.records.shift();
    return record;
  }
}

function addOnce(list: string[], id: string): void {
  if (!list.includes(id)) list.push(id);
}
