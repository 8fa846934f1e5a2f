/**
 * Coded errors of the transport: what a remote peer (or anything else that can
 * reach our port) can cause. They are returned as values, never thrown, so junk
 * on the wire can only ever close the connection that carried it.
 */
import { CodedError } from '../util/coded-error.js';

export type TransportErrorCode =
  /** A frame header declared a payload longer than frameBytesMax. */
  | 'FRAME_TOO_LARGE'
  /** A payload is not valid msgpack or not a well-formed envelope. */
  | 'BAD_ENVELOPE'
  /** The peerTls files are unreadable, not certificates, or do not name this node (at start-up). */
  | 'PEER_TLS_INVALID';

export class TransportError extends CodedError<TransportErrorCode> {
  override readonly name = 'TransportError';
}

export function frameTooLarge(bytes: number, bytesMax: number): TransportError {
  return new TransportError('FRAME_TOO_LARGE', `frame of ${bytes} bytes exceeds frameBytesMax ${bytesMax}`);
}

export function badEnvelope(what: string, cause?: unknown): TransportError {
  return new TransportError('BAD_ENVELOPE', `bad envelope: ${what}`, { cause });
}
