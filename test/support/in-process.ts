/**
 * A node started in this process (real LevelDB in a temp dir, real TCP on
 * free ports), with its log lines captured so tests can see what it refused.
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { DEFAULT_LIMITS, TIMING_PRESETS, type LimitsConfig, type NodeConfig, type ReadMode } from '../../src/config/types.js';
import { createLogger } from '../../src/log/logger.js';
import { startNode, type RunningNode } from '../../src/node/node.js';
import { freePorts } from './ports.js';
import { waitFor } from './wait.js';

export interface TestNode {
  readonly node: RunningNode;
  readonly config: NodeConfig;
  readonly clientPort: number;
  readonly peerPort: number;
  /** Every log line written so far, parsed. */
  readonly logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** A single-node cluster: it elects itself and serves at once. */
export async function startSingleNode(limits: Partial<LimitsConfig> = {}, readMode: ReadMode = 'readindex'): Promise<TestNode> {
  const dir = mkdtempSync(join(tmpdir(), 'raftkv-node-'));
  const [peerPort, clientPort] = await freePorts(2);
  const config: NodeConfig = {
    nodeId: 'n1',
    clusterId: 'test-cluster',
    members: [{ id: 'n1', peer: `127.0.0.1:${peerPort}`, client: `127.0.0.1:${clientPort}` }],
    dataDir: dir,
    timing: TIMING_PRESETS.fast,
    limits: { ...DEFAULT_LIMITS, ...limits },
    readMode,
    logLevel: 'debug',
  };
  const logs: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line));
      done();
    },
  });
  const logger = createLogger({ level: 'debug', nodeId: 'n1', destination });
  const node = await startNode(config, { logger, seed: 1 });
  await waitFor(() => node.status().role === 'leader', { what: 'the single node to lead' });
  return {
    node,
    config,
    clientPort: clientPort!,
    peerPort: peerPort!,
    logs,
    close: async () => {
      await node.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
