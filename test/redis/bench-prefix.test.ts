/**
 * `raftkv bench --key-prefix p --cleanup`, run literally against a real node:
 * it writes only under the prefix and removes its keys afterwards, leaving
 * the user's keys alone.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSingleNode, type TestNode } from '../support/in-process.js';
import { RawClient } from '../support/raw-client.js';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '../../bin/raftkv.js');

describe('raftkv bench key prefix and cleanup', { timeout: 60_000 }, () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startSingleNode();
  });
  afterAll(async () => t?.close());

  it('writes under the prefix and removes its keys afterwards', async () => {
    const c = await RawClient.connect(t.clientPort);
    try {
      expect(await c.call('SET mine keep')).toBe('OK');
      const args = ['bench', '--cluster', `127.0.0.1:${t.clientPort}`, '--key-prefix', 'bt:', '--keyspace', '300', '--connections', '2', '--duration', '1', '--warmup', '0', '--workload', 'mixed'];
      const { stdout } = await run('node', [BIN, ...args, '--cleanup']);
      expect(stdout).toContain('300 keys under bt:');
      expect(stdout).toContain('cleanup    300 keys under bt: removed');
      expect(await c.call('KEYS *')).toBe('["mine"]');
      const { stdout: kept } = await run('node', [BIN, ...args]);
      expect(kept).not.toContain('cleanup');
      expect(await c.call('DBSIZE')).toBe('(integer) 301');
    } finally {
      c.destroy();
    }
  });
});
