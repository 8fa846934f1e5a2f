/** Each relation the edge checks (raft/message-checks.ts), one case each, and an honest message of every type passing. */
import { describe, expect, it } from 'vitest';
import { INDEX_MAX, messageRelationProblem, TERM_MAX } from '../../src/raft/message-checks.js';
import { ENTRY_COMMAND, type AppendEntries, type Entry, type Message } from '../../src/raft/types.js';

const entry = (index: number, term: number): Entry => ({ index, term, type: ENTRY_COMMAND, data: Uint8Array.of(1) });
const append = (fields: Partial<AppendEntries> = {}): Message => ({
  type: 'AppendEntries', from: 'a', to: 'b', term: 5, prevLogIndex: 3, prevLogTerm: 4, entries: [entry(4, 4), entry(5, 5)], leaderCommit: 3, ...fields,
});

const snapshotChunk: Message = {
  type: 'InstallSnapshot', from: 'a', to: 'b', term: 5, snapshot: { index: 7, term: 5, voters: ['a', 'b'] }, transfer: 1, seq: 0, data: Uint8Array.of(1), done: true,
};

describe('message relation checks', () => {
  it('pass honest messages of every type', () => {
    const honest: Message[] = [
      { type: 'RequestVote', from: 'a', to: 'b', term: 5, lastLogIndex: 9, lastLogTerm: 5, leaderTransfer: false },
      { type: 'RequestVoteResponse', from: 'a', to: 'b', term: 5, granted: true },
      append(),
      append({ prevLogIndex: 0, prevLogTerm: 0, entries: [entry(1, 1)] }),
      { type: 'AppendEntriesResponse', from: 'a', to: 'b', term: 5, success: false, matchIndex: 0, conflictIndex: 2, conflictTerm: 3, rejectedIndex: 4 },
      { type: 'Heartbeat', from: 'a', to: 'b', term: 5, commit: 7, readRound: 2 },
      { type: 'HeartbeatResponse', from: 'a', to: 'b', term: 5, readRound: 2 },
      { type: 'PreVote', from: 'a', to: 'b', term: 6, lastLogIndex: 9, lastLogTerm: 5 },
      { type: 'PreVoteResponse', from: 'a', to: 'b', term: 6, granted: true },
      { type: 'TimeoutNow', from: 'a', to: 'b', term: 5 },
      { ...snapshotChunk, snapshot: { index: 0, term: 0, voters: ['a', 'b'] } },
      snapshotChunk,
      { type: 'InstallSnapshotResponse', from: 'a', to: 'b', term: 5, transfer: 1, next: -1, installed: 7 },
    ];
    for (const message of honest) expect(messageRelationProblem(message), message.type).toBeNull();
  });

  it.each([
    ['a pre-vote whose log is newer than the term it asks for', { type: 'PreVote', from: 'a', to: 'b', term: 5, lastLogIndex: 1, lastLogTerm: 6 } as Message, /lastLogTerm above/],
    ['a snapshot of a term above the message term', { ...snapshotChunk, snapshot: { index: 7, term: 6, voters: ['a'] } } as Message, /snapshot term above/],
    ['a snapshot at an index with term 0', { ...snapshotChunk, snapshot: { index: 7, term: 0, voters: ['a'] } } as Message, /exactly when its index is 0/],
    ['a snapshot index above INDEX_MAX', { ...snapshotChunk, snapshot: { index: INDEX_MAX + 1, term: 5, voters: ['a'] } } as Message, /snapshot index above/],
    ['term 0', append({ term: 0, prevLogTerm: 0, prevLogIndex: 0, entries: [] }), /term 0/],
    ['term above TERM_MAX', append({ term: TERM_MAX + 1 }), /term above TERM_MAX/],
    ['a message to itself', { ...append(), to: 'a' } as Message, /to itself/],
    ['entries that skip an index', append({ entries: [entry(4, 4), entry(6, 5)] }), /not contiguous/],
    ['entries not starting at prevLogIndex + 1', append({ entries: [entry(5, 5)] }), /not contiguous/],
    ['entry terms going back', append({ entries: [entry(4, 5), entry(5, 4)] }), /terms go back/],
    ['an entry term below prevLogTerm', append({ entries: [entry(4, 3)] }), /terms go back/],
    ['an entry term above the message term', append({ entries: [entry(4, 6)] }), /above the message term/],
    ['prevLogTerm above the message term', append({ prevLogTerm: 6, entries: [] }), /prevLogTerm above/],
    ['prevLogTerm 0 with an index', append({ prevLogTerm: 0, entries: [] }), /prevLogTerm is 0 exactly/],
    ['an index above INDEX_MAX', append({ prevLogIndex: INDEX_MAX + 1, entries: [] }), /above INDEX_MAX/],
    ['lastLogTerm above the term', { type: 'RequestVote', from: 'a', to: 'b', term: 5, lastLogIndex: 1, lastLogTerm: 6 } as Message, /lastLogTerm above/],
    ['a read round above INDEX_MAX', { type: 'HeartbeatResponse', from: 'a', to: 'b', term: 5, readRound: INDEX_MAX + 1 } as Message, /readRound above/],
  ])('refuse %s', (_name, message, problem) => {
    expect(messageRelationProblem(message)).toMatch(problem);
  });
});
