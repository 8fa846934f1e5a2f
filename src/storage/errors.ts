/**
 * Coded operating errors of the storage layer: a damaged or busy data
 * directory, a corrupt record, a failed disk write. Programmer errors (a gap
 * in the log, an applied index going back) are assertions instead.
 */
import { CodedError } from '../util/coded-error.js';

export type StorageErrorCode =
  /** A record or the database files are damaged; the data cannot be trusted. */
  | 'STORAGE_CORRUPT'
  /** Another process holds the data directory's LevelDB lock. */
  | 'STORAGE_LOCKED'
  /** The database could not be opened for another reason (permissions, missing files). */
  | 'STORAGE_OPEN_FAILED'
  /** A read or write failed after opening; the node must stop (fail-stop). */
  | 'STORAGE_IO';

export class StorageError extends CodedError<StorageErrorCode> {
  override readonly name = 'StorageError';
}

export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  return err instanceof StorageError && (code === undefined || err.code === code);
}

/** The message of an unknown thrown value, for embedding in our own messages. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
