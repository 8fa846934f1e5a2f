/**
 * Coded errors of the trace tools: what a user can cause by pointing them at
 * a missing, damaged or incomplete file. Programmer errors use assert().
 */
import { CodedError } from '../util/coded-error.js';

export type TraceErrorCode =
  | 'TRACE_NOT_FOUND'
  | 'TRACE_BAD_HEADER'
  | 'TRACE_BAD_VERSION'
  | 'TRACE_CORRUPT'
  | 'TRACE_INCOMPLETE'
  | 'TRACE_NO_NODE'
  | 'TRACE_WRITE_FAILED';

export class TraceError extends CodedError<TraceErrorCode> {
  override readonly name = 'TraceError';
}
