/**
 * The simulator's disk runs the same storage contract suites as classic-level
 * and memory-level, so the simulated cluster stores and loads exactly what a
 * real node would. A pump runs the virtual loop whenever a call is waiting.
 */
import { DEFAULT_DISK_TIMING, SimDisk } from '../../src/sim/disk.js';
import { SimLoop } from '../../src/sim/loop.js';
import { Rng } from '../../src/sim/rng.js';
import type { NodeStorage } from '../../src/storage/interfaces.js';
import type { StorageFactory } from '../storage/harness.js';
import { kvStorageContract } from '../storage/kv-storage.contract.js';
import { raftStorageContract } from '../storage/raft-storage.contract.js';

/** Runs the loop's agenda (in virtual time) until nothing is left, once per burst of calls. */
class Pump {
  private running = false;
  private again = false;

  constructor(private readonly loop: SimLoop) {}

  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    setImmediate(() => void this.run());
  }

  private async run(): Promise<void> {
    do {
      this.again = false;
      while (this.loop.pending() > 0) await this.loop.runUntil(this.loop.now + 1_000);
      await new Promise<void>((resolve) => setImmediate(resolve));
    } while (this.again || this.loop.pending() > 0);
    this.running = false;
  }
}

/** Every method call of `target` kicks the pump, so the promise it returned can settle. */
function pumped<T extends object>(target: T, pump: Pump): T {
  return new Proxy(target, {
    get(object, name, receiver) {
      const value = Reflect.get(object, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(object, args);
        pump.kick();
        return result;
      };
    },
  });
}

function storageOf(disk: SimDisk, pump: Pump): NodeStorage {
  const storage = disk.storage();
  return { raft: pumped(storage.raft, pump), kv: pumped(storage.kv, pump), close: storage.close };
}

const simDisk: StorageFactory = async () => {
  const loop = new SimLoop();
  const pump = new Pump(loop);
  const disk = new SimDisk('n1', loop, new Rng(7), DEFAULT_DISK_TIMING, null);
  return {
    storage: storageOf(disk, pump),
    // A clean close and reopen: every write was awaited, so a new incarnation's storage sees them all.
    reopen: async () => storageOf(disk, pump),
    cleanup: async () => undefined,
  };
};

raftStorageContract('simulated disk', simDisk, { persistent: true });
kvStorageContract('simulated disk', simDisk, { persistent: true });
