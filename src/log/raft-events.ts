/**
 * One info line per Raft event an operator wants in the log: an election
 * this node starts, a leader elected (here or elsewhere), a leader lost, each
 * naming the term. Read from the `raft.status` events on the bus, so the
 * core stays free of logging. Quieter than a line per status change: a
 * commit index moving is not news.
 */
import type { MessageBus } from '../bus/bus.js';
import type { NodeStatusEvent } from '../bus/events.js';
import type { Logger } from './logger.js';

export function logRaftEvents(bus: MessageBus, logger: Logger, self: string): () => void {
  let last: NodeStatusEvent | null = null;
  return bus.on('raft.status', (status) => {
    const before = last;
    last = status;
    if (before !== null && before.role === status.role && before.term === status.term && before.leader === status.leader) return;
    const line = describeChange(before, status, self);
    if (line !== null) logger.info(line.fields, line.message);
  });
}

interface LogLine {
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

/** The line for a change of role, term or leader; null when there is nothing to say. */
export function describeChange(before: NodeStatusEvent | null, now: NodeStatusEvent, self: string): LogLine | null {
  const previousLeader = before?.leader ?? null;
  const { term } = now;
  if (now.role === 'candidate') {
    return { fields: { term, previousLeader }, message: `election started: ${self} stands for term ${term}` };
  }
  if (now.role === 'leader') {
    return { fields: { term, leader: self, previousLeader }, message: `leader elected: ${self} leads term ${term}` };
  }
  if (now.leader !== null && now.leader !== previousLeader) {
    return { fields: { term, leader: now.leader, previousLeader }, message: `leader changed: ${now.leader} leads term ${term}` };
  }
  if (now.leader === null && (previousLeader !== null || before?.role === 'leader')) {
    return { fields: { term, previousLeader }, message: `leader lost: no leader known in term ${term}` };
  }
  if (before !== null && now.term !== before.term) {
    return { fields: { term, leader: now.leader }, message: `term ${term} began` };
  }
  return null;
}
