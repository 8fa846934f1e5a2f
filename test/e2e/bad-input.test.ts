/**
 * Bad input never crashes a node, never hangs a connection and never grows
 * memory without bound: each gets a clear error naming what is wrong, the
 * connection stays usable where the stream still makes sense, and the node
 * logs what it refused.
 */
import fc from 'fast-check';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/transport/frame.js';
import { encodeEnvelope } from '../../src/transport/codec.js';
import { startSingleNode, type TestNode } from '../support/in-process.js';
import { RawClient } from '../support/raw-client.js';
import { waitFor } from '../support/wait.js';

describe('bad client input', { timeout: 60_000 }, () => {
  let t: TestNode;
  const clients: RawClient[] = [];
  const connect = async () => {
    const client = await RawClient.connect(t.clientPort);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    t = await startSingleNode({ lineBytesMax: 1024, keyBytesMax: 64, valueBytesMax: 4096, argsMax: 16 });
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await t?.close();
  });

  it('unknown commands and wrong arity get Redis-style errors; the connection stays usable', async () => {
    const c = await connect();
    expect(await c.call('FLY me to the moon')).toMatch(/^\(error\) ERR unknown command 'FLY'/);
    expect(await c.call('GET')).toBe("(error) ERR wrong number of arguments for 'get' command");
    expect(await c.call('CAS a b')).toMatch(/wrong number of arguments for 'cas'/);
    expect(await c.call('SET k v')).toBe('OK');
    expect(await c.call('GET k')).toBe('"v"');
  });

  it('an over-long line, key or value names the limit, and the next request is served', async () => {
    const c = await connect();
    expect(await c.call(`SET k ${'x'.repeat(2000)}`)).toMatch(/lineBytesMax.*1024/);
    expect(await c.call('PING')).toBe('PONG');
    const bigKey = 'k'.repeat(100);
    const bigValue = 'v'.repeat(5000);
    c.send(`*3\r\n$3\r\nSET\r\n$100\r\n${bigKey}\r\n$2\r\nok\r\n`);
    c.send(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5000\r\n${bigValue}\r\n`);
    const replies = await c.read(4);
    expect(replies[2]).toMatch(/key is 100 bytes, over keyBytesMax \(64\)/);
    expect(replies[3]).toMatch(/value is 5000 bytes, over valueBytesMax \(4096\)/);
    expect(await c.call('PING')).toBe('PONG');
    expect(await c.call('KEYS *')).not.toContain(bigKey);
  });

  it('too many arguments names argsMax', async () => {
    const c = await connect();
    expect(await c.call(`DEL ${Array.from({ length: 20 }, (_, i) => `k${i}`).join(' ')}`)).toMatch(/argsMax/);
    expect(await c.call('PING')).toBe('PONG');
  });

  it('a malformed RESP header is a protocol error that closes only that connection', async () => {
    const c = await connect();
    c.send('*abc\r\n');
    const [reply] = await c.read(1);
    expect(reply).toMatch(/Protocol error/);
    await c.waitClosed();
    const other = await connect();
    expect(await other.call('PING')).toBe('PONG');
  });

  it('binary junk never crashes the node or wedges other clients', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 3000 }), async (junk) => {
        const c = await RawClient.connect(t.clientPort);
        c.send(junk);
        c.send('\r\nPING\r\n');
        c.destroy();
      }),
      { numRuns: 40 },
    );
    const c = await connect();
    expect(await c.call('SET after junk')).toBe('OK');
    expect(await c.call('GET after')).toBe('"junk"');
  });

  it('a client that disconnects mid-request or before its reply leaves the node serving', async () => {
    const half = await connect();
    half.send('*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$10\r\nabc'); // value cut short
    half.destroy();
    const gone = await connect();
    gone.send('SET gone 1\r\nGET gone\r\n');
    gone.destroy();
    const c = await connect();
    expect(await c.call('GET half')).toBe('(nil)');
    await waitFor(async () => (await c.call('GET gone')) === '"1"', { what: 'the abandoned write to apply' });
    expect(t.node.status().role).toBe('leader');
  });

  it('logs every request it refused', () => {
    const refused = t.logs.filter((line) => line['msg'] === 'client request refused');
    expect(refused.length).toBeGreaterThanOrEqual(6);
    expect(refused.every((line) => line['level'] === 20)).toBe(true); // debug: clients' mistakes are not the operator's news
    expect(refused.map((line) => String(line['error'])).join('\n')).toMatch(/unknown command 'FLY'/);
  });
});

describe('bad peer input', { timeout: 30_000 }, () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startSingleNode();
  });
  afterAll(async () => t?.close());

  async function sendToPeerPort(bytes: Uint8Array): Promise<void> {
    const socket = net.connect(t.peerPort, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(bytes);
    await new Promise((resolve) => socket.once('close', resolve));
  }

  it('refuses and logs a frame from another cluster, and keeps serving', async () => {
    const message = { type: 'Heartbeat' as const, from: 'n2', to: 'n1', term: 99, commit: 0, readRound: 0 };
    await sendToPeerPort(encodeFrame(encodeEnvelope({ clusterId: 'some-other-cluster', from: 'n2', listen: '127.0.0.1:9', message })));
    await waitFor(() => t.logs.some((line) => line['msg'] === 'refused inbound frame; closing connection'), { what: 'the refusal log line' });
    const line = t.logs.find((l) => l['msg'] === 'refused inbound frame; closing connection')!;
    expect(JSON.stringify(line)).toMatch(/cluster/);
    expect(t.node.status()).toMatchObject({ role: 'leader', term: 1 }); // the forged term 99 was never seen
    const c = await RawClient.connect(t.clientPort);
    expect(await c.call('PING')).toBe('PONG');
    c.destroy();
  });

  it('closes a connection that sends an oversized or undecodable frame, and keeps serving', async () => {
    const huge = Buffer.alloc(8);
    huge.writeUInt32BE(0xffffff00, 0);
    await sendToPeerPort(huge);
    await sendToPeerPort(encodeFrame(Buffer.from('definitely not msgpack of an envelope')));
    const c = await RawClient.connect(t.clientPort);
    expect(await c.call('SET still alive')).toBe('OK');
    c.destroy();
  });
});
