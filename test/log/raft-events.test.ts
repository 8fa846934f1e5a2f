/** The info lines for elections and leader changes: one per event, each naming the term. */
import { describe, expect, test } from 'vitest';
import { MessageBus, synchronousScheduler } from '../../src/bus/bus.js';
import type { NodeStatusEvent } from '../../src/bus/events.js';
import { createLogger } from '../../src/log/logger.js';
import { logRaftEvents } from '../../src/log/raft-events.js';

function harness(): { publish: (s: Omit<NodeStatusEvent, 'commitIndex' | 'lastIndex' | 'firstIndex'> & { commitIndex?: number }) => void; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const bus = new MessageBus(synchronousScheduler);
  const logger = createLogger({ level: 'info', nodeId: 'n1', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
  logRaftEvents(bus, logger, 'n1');
  return { lines, publish: (s) => bus.publish({ type: 'raft.status', commitIndex: 0, lastIndex: 0, firstIndex: 1, ...s }) };
}

describe('raft event log lines', () => {
  test('an election this node wins: started, then elected, each with its term, at info', () => {
    const { publish, lines } = harness();
    publish({ role: 'follower', term: 1, leader: 'n2' });
    publish({ role: 'candidate', term: 2, leader: null });
    publish({ role: 'leader', term: 2, leader: 'n1' });
    publish({ role: 'leader', term: 2, leader: 'n1', commitIndex: 5 });
    expect(lines.map((l) => l['msg'])).toEqual([
      'leader changed: n2 leads term 1',
      'election started: n1 stands for term 2',
      'leader elected: n1 leads term 2',
    ]);
    expect(lines.every((l) => l['level'] === 30)).toBe(true);
    expect(lines.map((l) => l['term'])).toEqual([1, 2, 2]);
    expect(lines[1]).toMatchObject({ previousLeader: 'n2' });
  });

  test('a follower learns of a new leader, loses it, and sees a term pass with none', () => {
    const { publish, lines } = harness();
    publish({ role: 'follower', term: 3, leader: 'n2' });
    publish({ role: 'follower', term: 4, leader: null });
    publish({ role: 'follower', term: 5, leader: null });
    publish({ role: 'follower', term: 5, leader: 'n3' });
    expect(lines.map((l) => l['msg'])).toEqual([
      'leader changed: n2 leads term 3',
      'leader lost: no leader known in term 4',
      'term 5 began',
      'leader changed: n3 leads term 5',
    ]);
    expect(lines[3]).toMatchObject({ term: 5, leader: 'n3' });
  });

  test('a leader that steps down says it lost leadership', () => {
    const { publish, lines } = harness();
    publish({ role: 'leader', term: 2, leader: 'n1' });
    publish({ role: 'follower', term: 2, leader: null });
    expect(lines.map((l) => l['msg'])).toEqual(['leader elected: n1 leads term 2', 'leader lost: no leader known in term 2']);
  });
});
