/**
 * A leader that is asked to stop hands leadership over first (dissertation
 * 3.10, TimeoutNow), so a rolling restart costs the cluster a round trip
 * instead of an election timeout. The core gives a transfer up by itself
 * after an election timeout; the wall-clock bound here only covers a node
 * whose timer has already stopped ticking.
 */
import type { Logger } from 'pino';
import type { MessageBus } from '../bus/bus.js';
import { UNATTENDED_TRANSFER_ID } from '../bus/events.js';
import type { RaftCore } from '../raft/core.js';
import type { TransferOutcome } from '../raft/ready.js';

export async function handOverLeadership(bus: MessageBus, core: RaftCore, waitMsMax: number, logger: Logger): Promise<void> {
  if (core.view().role !== 'leader') return;
  const outcome = await new Promise<TransferOutcome | null>((resolve) => {
    const timer = setTimeout(() => {
      off();
      resolve(null);
    }, waitMsMax);
    const off = bus.on('raft.outcomes', (event) => {
      const transfer = event.transfers.find((t) => t.id === UNATTENDED_TRANSFER_ID);
      if (transfer === undefined) return;
      clearTimeout(timer);
      off();
      resolve(transfer);
    });
    bus.publish({ type: 'raft.transfer', id: UNATTENDED_TRANSFER_ID, target: null });
  });
  if (outcome === null) logger.warn({ waitMsMax }, 'leadership hand-over before stopping got no answer; stopping anyway');
  else if (outcome.outcome === 'transferred') logger.info({ to: outcome.target }, 'handed leadership over before stopping');
  else logger.warn({ code: outcome.code, detail: outcome.detail }, 'leadership hand-over before stopping refused; stopping anyway');
}
