/** What each benchmark request is: which command, which key, which value. */
import type { Arg } from '../encode.js';

export type WorkloadKind = 'set' | 'get' | 'mixed';

export interface WorkloadOptions {
  readonly workload: WorkloadKind;
  /** Fraction of GETs in a mixed workload (0..1). */
  readonly readRatio: number;
  readonly keyspace: number;
  readonly valueSize: number;
  /** Every key the benchmark touches starts with this (default `bench:`), so it can be told apart and removed. */
  readonly keyPrefix?: string;
}

export const DEFAULT_BENCH_PREFIX = 'bench:';

export function benchKey(n: number, prefix = DEFAULT_BENCH_PREFIX): string {
  return `${prefix}${n}`;
}

/** One value, made once: the content does not matter, only its size. */
export function benchValue(size: number): Buffer {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const value = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i += 1) value[i] = alphabet.charCodeAt(i % alphabet.length);
  return value;
}

/** Returns a function producing the next request's arguments. */
export function requestMaker(options: WorkloadOptions, random: () => number = Math.random): () => Arg[] {
  const value = benchValue(options.valueSize);
  const key = (): string => benchKey(Math.floor(random() * options.keyspace), options.keyPrefix);
  switch (options.workload) {
    case 'set':
      return () => ['SET', key(), value];
    case 'get':
      return () => ['GET', key()];
    case 'mixed':
      return () => (random() < options.readRatio ? ['GET', key()] : ['SET', key(), value]);
  }
}
