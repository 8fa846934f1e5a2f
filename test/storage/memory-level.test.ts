import { openMemoryStorage } from '../../src/storage/open.js';
import type { StorageFactory } from './harness.js';
import { kvStorageContract } from './kv-storage.contract.js';
import { raftStorageContract } from './raft-storage.contract.js';

const memory: StorageFactory = async () => {
  const storage = await openMemoryStorage();
  return { storage, cleanup: () => storage.close() };
};

raftStorageContract('memory-level', memory, { persistent: false });
kvStorageContract('memory-level', memory, { persistent: false });
