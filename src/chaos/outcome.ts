/**
 * What one chaos operation's reply or error means for the history. The rule: 'fail'
 * only when the request certainly had no effect (the node refused it, or it never
 * left this process); 'unknown' whenever it might have been applied; 'ok' with what
 * the client observed.
 */
import { ClientError } from '../client/errors.js';
import type { Reply } from '../client/reply.js';
import type { OpKind } from '../check/history.js';

export type Outcome =
  | { readonly status: 'ok'; readonly output?: string | null; readonly swapped?: boolean }
  | { readonly status: 'fail'; readonly reason: string; readonly redirect?: string }
  | { readonly status: 'unknown'; readonly reason: string };

/** Server errors that mean "not applied" (README, Errors), by their first word(s). */
const REFUSALS: readonly { prefix: string; reason: string }[] = [
  { prefix: 'MOVED ', reason: 'moved' },
  { prefix: 'TRYAGAIN', reason: 'tryagain' },
  { prefix: 'BUSY', reason: 'busy' },
  { prefix: 'ERR write lost', reason: 'write-lost' },
];

export function classifyReply(kind: OpKind, reply: Reply): Outcome {
  if (reply.type === 'error') return classifyServerError(reply.message);
  if (kind === 'read' && reply.type === 'bulk') return { status: 'ok', output: reply.value === null ? null : reply.value.toString('utf8') };
  if (kind === 'write' && reply.type === 'simple' && reply.value === 'OK') return { status: 'ok' };
  if (kind === 'cas' && reply.type === 'integer' && (reply.value === 0 || reply.value === 1)) return { status: 'ok', swapped: reply.value === 1 };
  return { status: 'unknown', reason: `unexpected ${reply.type} reply to ${kind}` };
}

export function classifyServerError(message: string): Outcome {
  for (const refusal of REFUSALS) {
    if (!message.startsWith(refusal.prefix)) continue;
    if (refusal.reason !== 'moved') return { status: 'fail', reason: refusal.reason };
    const redirect = message.split(' ')[2];
    return redirect === undefined ? { status: 'fail', reason: 'moved' } : { status: 'fail', reason: 'moved', redirect };
  }
  if (message.startsWith('TIMEOUT')) return { status: 'unknown', reason: 'server-timeout' };
  // Anything else (a node shutting down, a new error) might follow an apply: unknown.
  return { status: 'unknown', reason: `server-error: ${message.split(' ').slice(0, 3).join(' ')}` };
}

/**
 * A thrown error. `sent` is false when the request never reached a socket (connect
 * failed, or the connection was already dead when send() was called).
 */
export function classifyError(error: unknown, sent: boolean): Outcome {
  if (!sent) return { status: 'fail', reason: error instanceof ClientError ? `not-sent: ${error.code.toLowerCase()}` : 'not-sent' };
  if (error instanceof ClientError) {
    if (error.code === 'TIMEOUT') return { status: 'unknown', reason: 'client-timeout' };
    return { status: 'unknown', reason: `${error.code.toLowerCase()}-after-send` };
  }
  return { status: 'unknown', reason: String(error) };
}
