import { CodedError } from '../util/coded-error.js';

/** Operating errors of starting a node: what a user can cause and fix. */
export class NodeStartError extends CodedError<'LISTEN_FAILED' | 'DATA_DIR_FOREIGN' | 'DATA_DIR_CORRUPT' | 'CLIENT_AUTH_INVALID' | 'CLIENT_TLS_INVALID'> {
  override readonly name = 'NodeStartError';
}

/** Turns a failed listen() into a message naming the address, what it is for, and why. */
export function listenFailed(what: string, address: string, err: unknown): NodeStartError {
  const reason = (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'the address is already in use' : (err as Error).message;
  return new NodeStartError('LISTEN_FAILED', `cannot listen for ${what} on ${address}: ${reason}`, { cause: err });
}
