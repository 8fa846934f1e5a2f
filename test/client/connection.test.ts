import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RespConnection } from '../../src/client/connection.js';
import { ClientError } from '../../src/client/errors.js';
import { encodeCommand } from '../../src/client/encode.js';
import { kvHandler, resp, startFakeServer, unusedPort, type FakeServer } from './fake-server.js';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(handler: Parameters<typeof startFakeServer>[0]): Promise<FakeServer> {
  const s = await startFakeServer(handler);
  servers.push(s);
  return s;
}

describe('encodeCommand', () => {
  it('encodes a RESP array of bulk strings, counting bytes not characters', () => {
    expect(encodeCommand(['SET', 'k', 'é']).toString('utf8')).toBe('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\né\r\n');
    expect(encodeCommand([Uint8Array.of(0, 13, 10)])).toEqual(Buffer.from('*1\r\n$3\r\n\x00\r\n\r\n', 'latin1'));
  });
});

describe('RespConnection', () => {
  it('answers pipelined requests in order', async () => {
    // Replies are delayed in reverse so an out-of-order FIFO would show.
    const s = await server((args) => new Promise((resolve) => setTimeout(() => resolve(resp.bulk(args[1] ?? '')), 10 - Number(args[1]))));
    const c = await RespConnection.connect(s.address);
    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => c.send(['ECHO', String(i)])));
    expect(replies.map((r) => (r.type === 'bulk' ? r.value?.toString() : '?'))).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    await c.close();
  });

  it('coalesces requests issued in one event-loop turn into one socket write', async () => {
    const s = await server(() => resp.ok);
    const c = await RespConnection.connect(s.address);
    const write = vi.spyOn(net.Socket.prototype, 'write');
    try {
      await Promise.all(Array.from({ length: 50 }, () => c.send(['PING'])));
      // The fake server's own sockets write too; count only the client's.
      const clientWrites = write.mock.contexts.filter((socket) => (socket as net.Socket).remotePort === s.port);
      expect(clientWrites).toHaveLength(1);
    } finally {
      write.mockRestore();
    }
    await c.close();
  });

  it('fails a request that gets no reply with TIMEOUT and drops the connection', async () => {
    const s = await server((args) => (args[0] === 'HANG' ? null : resp.ok));
    const c = await RespConnection.connect(s.address);
    const hang = c.send(['HANG'], { timeoutMs: 30 });
    const after = c.send(['PING'], { timeoutMs: 60_000 });
    await expect(hang).rejects.toMatchObject({ code: 'TIMEOUT' });
    await expect(after).rejects.toMatchObject({ code: 'CONNECTION' });
    expect(c.isOpen).toBe(false);
  });

  it('rejects every pending request with CONNECTION when the server goes away', async () => {
    const s = await server(() => null);
    const c = await RespConnection.connect(s.address);
    const pending = [c.send(['A']), c.send(['B'])];
    await expect.poll(() => s.requests.length).toBe(2);
    for (const socket of s.sockets) socket.destroy();
    for (const p of pending) await expect(p).rejects.toMatchObject({ code: 'CONNECTION' });
    await expect(c.send(['C'])).rejects.toBeInstanceOf(ClientError);
  });

  it('rejects with CONNECTION when nobody listens', async () => {
    const port = await unusedPort();
    await expect(RespConnection.connect(`127.0.0.1:${port}`)).rejects.toMatchObject({ code: 'CONNECTION', message: expect.stringContaining('ECONNREFUSED') });
  });

  it('close waits for pending replies and then refuses new requests', async () => {
    const s = await server(kvHandler(new Map([['k', 'v']])));
    const c = await RespConnection.connect(s.address);
    const get = c.send(['GET', 'k']);
    const closing = c.close();
    await expect(c.send(['PING'])).rejects.toMatchObject({ code: 'CLOSED' });
    expect(await get).toEqual({ type: 'bulk', value: Buffer.from('v') });
    await closing;
    expect(c.isOpen).toBe(false);
  });

  it('fails with PROTOCOL on a malformed reply', async () => {
    const s = await server(() => '!bogus\r\n');
    const c = await RespConnection.connect(s.address);
    await expect(c.send(['PING'])).rejects.toMatchObject({ code: 'PROTOCOL' });
  });
});
