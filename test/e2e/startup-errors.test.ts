/** A node that cannot start says why, names the address, and leaves nothing held. */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, TIMING_PRESETS, type NodeConfig } from '../../src/config/types.js';
import { createLogger } from '../../src/log/logger.js';
import { startNode } from '../../src/node/node.js';
import { openDiskStorage } from '../../src/storage/open.js';
import { freePorts } from '../support/ports.js';

describe('start-up errors', () => {
  it('a peer port in use fails with LISTEN_FAILED naming the address, and releases the data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'raftkv-start-'));
    const [peerPort, clientPort] = await freePorts(2);
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(peerPort, '127.0.0.1', resolve));
    const config: NodeConfig = {
      nodeId: 'n1',
      clusterId: 'c',
      members: [{ id: 'n1', peer: `127.0.0.1:${peerPort}`, client: `127.0.0.1:${clientPort}` }],
      dataDir: dir,
      timing: TIMING_PRESETS.fast,
      limits: DEFAULT_LIMITS,
      readMode: 'readindex',
      logLevel: 'silent',
    };
    try {
      const error = await startNode(config, { logger: createLogger({ level: 'silent' }) }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'LISTEN_FAILED', message: `cannot listen for peers (node n1's peer address) on 127.0.0.1:${peerPort}: the address is already in use` });
      const storage = await openDiskStorage(dir); // would be STORAGE_LOCKED if the failed start still held it
      await storage.close();
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
