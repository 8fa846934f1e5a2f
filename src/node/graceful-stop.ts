/**
 * What a node does before it stops, so a rolling restart costs clients
 * nothing: a leader hands leadership over (dissertation 3.10, TimeoutNow)
 * instead of leaving the cluster to notice its absence after an election
 * timeout, then every request already in flight is given time to be answered
 * (accepted writes commit under the new leader and are applied here too;
 * anything else is redirected). Only what is still pending after that is
 * aborted. The core gives a transfer up by itself after an election timeout;
 * the wall-clock bounds here cover a node whose timer has stopped ticking.
 */
import type { Logger } from 'pino';
import type { MessageBus } from '../bus/bus.js';
import { UNATTENDED_LEADER_TRANSFER_ID } from '../bus/events.js';
import type { RaftCore } from '../raft/core.js';
import type { LeaderTransferOutcome } from '../raft/ready.js';

export async function handOverLeadership(bus: MessageBus, core: RaftCore, waitMsMax: number, logger: Logger): Promise<void> {
  if (core.view().role !== 'leader') return;
  const outcome = await new Promise<LeaderTransferOutcome | null>((resolve) => {
    const timer = setTimeout(() => {
      off();
      resolve(null);
    }, waitMsMax);
    const off = bus.on('raft.outcomes', (event) => {
      const transfer = event.leaderTransfers.find((t) => t.id === UNATTENDED_LEADER_TRANSFER_ID);
      if (transfer === undefined) return;
      clearTimeout(timer);
      off();
      resolve(transfer);
    });
    bus.publish({ type: 'raft.handOver', target: null });
  });
  if (outcome === null) logger.warn({ waitMsMax }, 'leadership hand-over before stopping got no answer; stopping anyway');
  else if (outcome.outcome === 'transferred') logger.info({ to: outcome.target }, 'handed leadership over before stopping');
  else logger.warn({ code: outcome.code, detail: outcome.detail }, 'leadership hand-over before stopping refused; stopping anyway');
}

/** Resolves once no client request is pending, or after waitMsMax. Returns how many were still pending. */
export async function drainRequests(bus: MessageBus, pendingCount: () => number, waitMsMax: number): Promise<number> {
  if (pendingCount() === 0) return 0;
  return new Promise((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      off();
      resolve(pendingCount());
    };
    const timer = setTimeout(finish, waitMsMax);
    const off = bus.on('client.reply', () => {
      if (pendingCount() === 0) finish();
    });
  });
}
