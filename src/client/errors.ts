/**
 * Every error the client library raises is a ClientError with a stable code, so
 * callers branch on `code`, never on message text.
 */
export type ClientErrorCode =
  /** Nodes kept redirecting to each other without one accepting the request. */
  | 'MOVED_LOOP'
  /** The cluster reported no leader (TRYAGAIN) until the deadline. */
  | 'NO_LEADER'
  /** No reply within the request timeout or the call's deadline. */
  | 'TIMEOUT'
  /** The server answered with an error reply; `serverMessage` holds its text. */
  | 'SERVER_ERROR'
  /** Connecting failed, or the connection broke (refused, reset, closed). */
  | 'CONNECTION'
  /** The server sent bytes that are not RESP2, or a reply of an unexpected type. */
  | 'PROTOCOL'
  /** The client or connection was closed by its owner. */
  | 'CLOSED'
  /** The node wants credentials (NOAUTH) or refused the ones given (WRONGPASS, lockout). */
  | 'AUTH';

export interface ClientErrorDetails {
  /** host:port of the node involved, when one is. */
  readonly address?: string;
  /** The server's error text without the leading '-', for SERVER_ERROR. */
  readonly serverMessage?: string;
  /**
   * True when a write was sent and no answer came back: it may or may not have
   * been applied, and the caller must not assume either.
   */
  readonly outcomeUnknown?: boolean;
  readonly cause?: unknown;
}

export class ClientError extends Error {
  override readonly name = 'ClientError';
  readonly code: ClientErrorCode;
  readonly address: string | undefined;
  readonly serverMessage: string | undefined;
  readonly outcomeUnknown: boolean;

  constructor(code: ClientErrorCode, message: string, details: ClientErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.address = details.address;
    this.serverMessage = details.serverMessage;
    this.outcomeUnknown = details.outcomeUnknown ?? false;
  }

  /** The same error, marked as a write of unknown outcome, with the message saying so. */
  withUnknownOutcome(): ClientError {
    if (this.outcomeUnknown) return this;
    return new ClientError(
      this.code,
      `${this.message} (the write may or may not have been applied)`,
      { address: this.address, serverMessage: this.serverMessage, outcomeUnknown: true, cause: this.cause },
    );
  }
}

export function isClientError(value: unknown): value is ClientError {
  return value instanceof ClientError;
}
