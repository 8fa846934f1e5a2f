/**
 * Coded errors of the trace tools: what a user can cause by pointing them at
 * a missing, damaged or incomplete file. Programmer errors use assert().
 */
export type TraceErrorCode =
  | 'TRACE_NOT_FOUND'
  | 'TRACE_BAD_HEADER'
  | 'TRACE_BAD_VERSION'
  | 'TRACE_CORRUPT'
  | 'TRACE_INCOMPLETE'
  | 'TRACE_NO_NODE'
  | 'TRACE_WRITE_FAILED';

export class TraceError extends Error {
  override readonly name = 'TraceError';

  constructor(
    readonly code: TraceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
