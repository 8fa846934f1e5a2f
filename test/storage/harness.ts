/**
 * What a contract suite needs from a backend: a fresh store, a way to close
 * and reopen it (persistent backends only) and a cleanup.
 */
import { afterEach, expect } from 'vitest';
import type { Entry, EntryType } from '../../src/raft/types.js';
import type { NodeStorage } from '../../src/storage/interfaces.js';
import { StorageError } from '../../src/storage/errors.js';
import type { StorageErrorCode } from '../../src/storage/errors.js';

export interface StorageHarness {
  /** The store as first opened; after reopen() it is closed. */
  readonly storage: NodeStorage;
  /** Closes the open store and opens the same data again. */
  readonly reopen?: () => Promise<NodeStorage>;
  /** Closes whatever is open and removes any files. */
  readonly cleanup: () => Promise<void>;
}

export type StorageFactory = () => Promise<StorageHarness>;

export interface ContractOptions {
  /** The backend keeps data across reopen (and the factory provides reopen). */
  readonly persistent: boolean;
}

/** Registers cleanup after each test; returns an opener for fresh harnesses. */
export function useHarnesses(factory: StorageFactory): () => Promise<StorageHarness> {
  const live: StorageHarness[] = [];
  afterEach(async () => {
    await Promise.all(live.splice(0).map((h) => h.cleanup()));
  });
  return async () => {
    const harness = await factory();
    live.push(harness);
    return harness;
  };
}

export async function reopenOf(harness: StorageHarness): Promise<NodeStorage> {
  expect(harness.reopen, 'a persistent backend must provide reopen').toBeDefined();
  return harness.reopen!();
}

export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Every byte value once, 0x00 to 0xff. */
export function everyByte(): Uint8Array {
  return Uint8Array.from({ length: 256 }, (_, i) => i);
}

export function entry(index: number, term: number, data: Uint8Array = utf8(`e${index}`), type: EntryType = 1): Entry {
  return { index, term, type, data };
}

export function entries(from: number, to: number, term: number): Entry[] {
  return Array.from({ length: to - from + 1 }, (_, i) => entry(from + i, term));
}

export function hex(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex');
}

/** Entries with data as hex, so Buffer and Uint8Array compare equal and failures read well. */
export function showEntries(list: readonly Entry[]): Array<Omit<Entry, 'data'> & { data: string }> {
  return list.map((e) => ({ index: e.index, term: e.term, type: e.type, data: hex(e.data) }));
}

export function showPairs(list: ReadonlyArray<readonly [Uint8Array, Uint8Array]>): Array<[string, string]> {
  return list.map(([k, v]) => [hex(k), hex(v)]);
}

export function showMaybe(list: ReadonlyArray<Uint8Array | undefined>): Array<string | undefined> {
  return list.map((v) => (v === undefined ? undefined : hex(v)));
}

/** Awaits a promise expected to reject with a StorageError of `code`, and returns the error. */
export async function storageFailure(promise: Promise<unknown>, code: StorageErrorCode): Promise<StorageError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StorageError);
  expect((err as StorageError).code).toBe(code);
  return err as StorageError;
}
