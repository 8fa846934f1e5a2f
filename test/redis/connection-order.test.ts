/**
 * Per-connection order (issue 11): a connection's requests take effect in
 * the order it sent them, as on Redis 7, and a client that half-closes still
 * gets its replies (the README's `nc` example).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionOrder } from '../../src/actors/connection-order.js';
import { startSingleNode, type TestNode } from '../support/in-process.js';
import { RawClient } from '../support/raw-client.js';

const run = promisify(execFile);

describe('ConnectionOrder', () => {
  it('starts runs of one kind together and holds the other kind until the run finishes', () => {
    const order = new ConnectionOrder<number>();
    expect(order.arrive(1, 1, 'write')).toBe(true);
    expect(order.arrive(1, 2, 'write')).toBe(true);
    expect(order.arrive(1, 3, 'read')).toBe(false);
    expect(order.arrive(1, 4, 'read')).toBe(false);
    expect(order.arrive(1, 5, 'write')).toBe(false);
    expect(order.arrive(2, 6, 'read')).toBe(true); // another connection is independent
    expect(order.finish(1)).toEqual([]);
    expect(order.finish(1)).toEqual([3, 4]);
    expect(order.finish(1)).toEqual([]);
    expect(order.finish(1)).toEqual([5]);
    expect(order.finish(1)).toEqual([]);
    expect(order.arrive(1, 7, 'read')).toBe(true);
  });

  it('a waiting request that times out no longer holds up the ones behind it', () => {
    const order = new ConnectionOrder<number>();
    order.arrive(1, 1, 'write');
    order.arrive(1, 2, 'read');
    order.arrive(1, 3, 'write');
    expect(order.cancel(1, 2)).toEqual([]);
    expect(order.finish(1)).toEqual([3]);
  });
});

describe('pipelines and half-close on a real node', { timeout: 30_000 }, () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startSingleNode();
  });
  afterAll(async () => t?.close());

  it('a pipelined SET, GET, DEL, GET answers as Redis 7 does: +OK $1 1 :1 $-1', async () => {
    const c = await RawClient.connect(t.clientPort);
    try {
      for (let round = 0; round < 20; round++) {
        const before = c.replies.length;
        c.send(`*3\r\n$3\r\nSET\r\n$2\r\npp\r\n$1\r\n1\r\n*2\r\n$3\r\nGET\r\n$2\r\npp\r\n*2\r\n$3\r\nDEL\r\n$2\r\npp\r\n*2\r\n$3\r\nGET\r\n$2\r\npp\r\n`);
        expect((await c.read(before + 4)).slice(before)).toEqual(['OK', '"1"', '(integer) 1', '(nil)']);
      }
    } finally {
      c.destroy();
    }
  });

  it("the README's `printf 'GET user:1\\r\\n' | nc -q1 127.0.0.1 <port>` prints the reply", async () => {
    const c = await RawClient.connect(t.clientPort);
    expect(await c.call('SET user:1 alice')).toBe('OK');
    c.destroy();
    const { stdout } = await run('sh', ['-c', `printf 'GET user:1\\r\\n' | nc -q1 127.0.0.1 ${t.clientPort}`]);
    expect(stdout).toBe('$5\r\nalice\r\n');
  });
});
