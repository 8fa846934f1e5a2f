/**
 * How the client reacts to each reply or failure from one attempt: pure
 * functions, so the policy can be read (and tested) apart from the I/O.
 */
import { ClientError } from './errors.js';
import type { Reply } from './reply.js';

export type Verdict =
  /** Hand this reply to the caller (it may be an error reply to raise). */
  | { readonly kind: 'done'; readonly reply: Reply }
  /** The node named another as leader: follow at once. */
  | { readonly kind: 'moved'; readonly address: string }
  /** No leader right now, or this node is gone: try the next node after a pause. */
  | { readonly kind: 'next'; readonly error: ClientError }
  /** This node is overloaded: retry it after a pause. */
  | { readonly kind: 'again'; readonly error: ClientError };

export function judgeReply(reply: Reply, address: string): Verdict {
  if (reply.type !== 'error') return { kind: 'done', reply };
  const [word = '', ...rest] = reply.message.split(' ');
  if (word === 'MOVED') {
    const target = rest[1];
    if (target !== undefined && target.includes(':')) return { kind: 'moved', address: target };
  }
  if (word === 'TRYAGAIN') {
    return { kind: 'next', error: new ClientError('NO_LEADER', `no leader: ${address} said ${reply.message}`, { address, serverMessage: reply.message }) };
  }
  if (word === 'BUSY') {
    return { kind: 'again', error: serverError(reply.message, address) };
  }
  return { kind: 'done', reply };
}

export function serverError(message: string, address: string): ClientError {
  if (message.startsWith('NOAUTH') || message.startsWith('WRONGPASS')) {
    return new ClientError('AUTH', `${address}: ${message} (give credentials: --user/--password or RAFTKV_USER/RAFTKV_PASSWORD)`, { address, serverMessage: message });
  }
  return new ClientError('SERVER_ERROR', `${address}: ${message}`, { address, serverMessage: message });
}

/** Exponential backoff with a cap; deterministic so tests can reason about it. */
export class Backoff {
  private nextMs: number;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
  ) {
    this.nextMs = minMs;
  }

  take(): number {
    const ms = this.nextMs;
    this.nextMs = Math.min(this.maxMs, this.nextMs * 2);
    return ms;
  }

  reset(): void {
    this.nextMs = this.minMs;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
