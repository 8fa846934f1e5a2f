/**
 * Inert stand-ins for everything outside a replayed node. Replay feeds the
 * node its recorded inputs itself, so these must produce none: storage whose
 * operations never complete (a completion would be a second, unrecorded
 * storage.persisted), a transport that drops what it is given and never
 * receives, a clock that never ticks, and a bus scheduler that never drains
 * (replay delivers every event itself, with deliverNow() and step()).
 */
import type { Clock } from '../actors/timer.js';
import type { DrainScheduler } from '../bus/bus.js';
import type { KvStorage, NodeStorage, RaftStorage } from '../storage/interfaces.js';
import type { Transport } from '../transport/transport.js';

function never<T>(): Promise<T> {
  return new Promise<T>(() => {});
}

/** Every method of the object returns a promise that never settles (whatever methods the interface grows). */
function neverSettling<T extends object>(): T {
  return new Proxy({}, { get: () => never }) as T;
}

export function inertStorage(): NodeStorage {
  return {
    raft: neverSettling<RaftStorage>(),
    kv: neverSettling<KvStorage>(),
    close: () => Promise.resolve(),
  };
}

export const inertTransport: Transport = {
  start: () => Promise.resolve(),
  send: () => {},
  setMembers: () => {},
  setRemoved: () => {},
  stop: () => Promise.resolve(),
};

export const inertClock: Clock = { every: () => () => {} };

export const inertScheduler: DrainScheduler = () => {};
