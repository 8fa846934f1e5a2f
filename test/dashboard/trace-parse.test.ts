/** The timeline's send/receive matching (src/dashboard/trace-parse.js), without a browser. */
import { describe, expect, test } from 'vitest';
// @ts-expect-error: the dashboard is plain browser JavaScript, without type declarations.
import { buildTimeline, parseTraces } from '../../src/dashboard/trace-parse.js';

const vote = { type: 'RequestVote', from: 'n3', to: 'n1', term: 2, lastLogIndex: 9, lastLogTerm: 1, leaderTransfer: false };
const line = (node: string, seq: number, t: number, event: unknown): string => JSON.stringify({ seq, t, node, event });

describe('timeline message matching', () => {
  test('a receive recorded in the same millisecond as its send, and sorted first, still matches it', () => {
    const receiver = line('n1', 5, 1000, { type: 'net.recv', message: vote });
    const sender = line('n3', 7, 1000, { type: 'net.send', messages: [vote] });
    const timeline = buildTimeline(parseTraces([receiver, sender]));
    const arrows = timeline.arrows.filter((a: { type: string }) => a.type === 'RequestVote');
    expect(arrows).toHaveLength(1);
    expect(arrows[0]).toMatchObject({ from: 'n3', to: 'n1', matched: true, sendT: 1000, recvT: 1000 });
  });

  test('a send never received stays one unmatched arrow', () => {
    const timeline = buildTimeline(parseTraces([line('n3', 7, 1000, { type: 'net.send', messages: [vote] })]));
    expect(timeline.arrows.map((a: { matched: boolean }) => a.matched)).toEqual([false]);
  });
});
