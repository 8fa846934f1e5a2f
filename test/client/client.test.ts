import { afterEach, describe, expect, it } from 'vitest';
import { RaftkvClient, parseInfo } from '../../src/client/client.js';
import { followerHandler, kvHandler, resp, startFakeServer, unusedPort, type FakeHandler, type FakeServer } from './fake-server.js';

const servers: FakeServer[] = [];
const clients: RaftkvClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(handler: FakeHandler): Promise<FakeServer> {
  const s = await startFakeServer(handler);
  servers.push(s);
  return s;
}

function client(nodes: string[], options: Partial<ConstructorParameters<typeof RaftkvClient>[0]> = {}): RaftkvClient {
  const c = new RaftkvClient({ nodes, backoffMinMs: 1, backoffMaxMs: 5, ...options });
  clients.push(c);
  return c;
}

/** Answers TRYAGAIN `times` times, then like a leader. */
function flaky(times: number, store: Map<string, string>): FakeHandler {
  let left = times;
  const leader = kvHandler(store);
  return (args, s) => {
    if (left > 0) {
      left -= 1;
      return resp.error('TRYAGAIN no leader');
    }
    return leader(args, s);
  };
}

describe('RaftkvClient', () => {
  it('gives typed results for every command', async () => {
    const leader = await server(kvHandler(new Map()));
    const c = client([leader.address]);
    await c.set('a', '1');
    await c.set('ab', '2');
    expect(await c.get('a')).toEqual(Buffer.from('1'));
    expect(await c.get('missing')).toBeNull();
    expect(await c.exists('a', 'zz')).toBe(1);
    expect((await c.keys('a*')).map(String)).toEqual(['a', 'ab']);
    expect((await c.list('ab')).map(String)).toEqual(['ab']);
    expect((await c.list()).map(String)).toEqual(['a', 'ab']);
    expect(await c.cas('a', '1', '3')).toBe(true);
    expect(await c.cas('a', '1', '4')).toBe(false);
    expect(await c.del('a', 'ab', 'zz')).toBe(2);
    expect(await c.ping()).toBe('PONG');
    expect(await c.info()).toMatchObject({ node_id: 'n1', role: 'leader', term: '3' });
  });

  it('follows MOVED to the leader and keeps sending there', async () => {
    const leader = await server(kvHandler(new Map([['k', 'v']])));
    const follower = await server(followerHandler(() => leader.address));
    const c = client([follower.address]);
    expect(await c.get('k')).toEqual(Buffer.from('v'));
    expect(c.leaderAddress).toBe(leader.address);
    await c.set('k2', 'v2');
    expect(follower.requests.map((r) => r[0])).toEqual(['GET']);
  });

  it('retries on TRYAGAIN until a leader answers', async () => {
    const store = new Map<string, string>();
    const node = await server(flaky(3, store));
    const c = client([node.address]);
    await c.set('k', 'v');
    expect(store.get('k')).toBe('v');
    expect(node.requests).toHaveLength(4);
  });

  it('fails with NO_LEADER when TRYAGAIN lasts past the deadline', async () => {
    const node = await server(() => resp.error('TRYAGAIN no leader'));
    const c = client([node.address], { deadlineMs: 50 });
    await expect(c.get('k')).rejects.toMatchObject({ code: 'NO_LEADER' });
  });

  it('detects a MOVED loop', async () => {
    const ports: string[] = [];
    const a = await server(followerHandler(() => ports[1] ?? ''));
    const b = await server(followerHandler(() => ports[0] ?? ''));
    ports.push(a.address, b.address);
    const c = client([a.address, b.address], { redirectsMax: 4 });
    await expect(c.get('k')).rejects.toMatchObject({ code: 'MOVED_LOOP' });
    expect(a.requests.length + b.requests.length).toBe(5);
  });

  it('falls over to the next node when a connection is refused', async () => {
    const dead = `127.0.0.1:${await unusedPort()}`;
    const leader = await server(kvHandler(new Map([['k', 'v']])));
    const c = client([dead, leader.address]);
    expect(await c.get('k')).toEqual(Buffer.from('v'));
    expect(c.leaderAddress).toBe(leader.address);
  });

  it('fails with CONNECTION when no node can be reached', async () => {
    const c = client([`127.0.0.1:${await unusedPort()}`], { deadlineMs: 50 });
    await expect(c.ping()).rejects.toMatchObject({ code: 'CONNECTION' });
  });

  it('retries a read that timed out on another node', async () => {
    const slow = await server(() => null);
    const leader = await server(kvHandler(new Map([['k', 'v']])));
    const c = client([slow.address, leader.address], { requestTimeoutMs: 30 });
    expect(await c.get('k')).toEqual(Buffer.from('v'));
  });

  it('without a session, reports a timed-out CAS as TIMEOUT with an unknown outcome, without retrying it', async () => {
    const slow = await server(() => null);
    const c = client([slow.address], { requestTimeoutMs: 30, session: false });
    const error = await c.cas('k', 'a', 'b').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TIMEOUT', outcomeUnknown: true, message: expect.stringContaining('may or may not have been applied') });
    expect(slow.requests).toHaveLength(1);
  });

  it('in a session, retries a timed-out CAS with the same sequence number, so it applies at most once', async () => {
    let calls = 0;
    const flaky = await server((args) => (args[0] === 'SET' ? resp.ok : ++calls === 1 ? null : resp.int(1)));
    const c = client([flaky.address], { requestTimeoutMs: 30 });
    expect(await c.cas('k', 'a', 'b')).toBe(true);
    expect(flaky.requests).toEqual([['CAS', 'k', 'a', 'b'], ['CAS', 'k', 'a', 'b']]);
    expect(flaky.sequenced).toEqual([['1', '1', '1'], ['1', '1', '1']]);
    await c.set('k', 'c');
    // Request 1 was answered, so request 2 acknowledges it: the lowest still pending is 2.
    expect(flaky.sequenced.at(-1)).toEqual(['1', '2', '2']);
  });

  it('opens a new session when the server says the old one expired, and sends the write again', async () => {
    let expired = true;
    const node = await server(() => {
      if (!expired) return resp.ok;
      expired = false;
      return resp.error('SESSION_EXPIRED session 1 has expired or was evicted; open a new one (the request was not applied)');
    });
    const c = client([node.address]);
    await c.set('k', 'v');
    expect(node.requests).toEqual([['SET', 'k', 'v'], ['SET', 'k', 'v']]);
  });

  it('marks a retried write that still fails as of unknown outcome', async () => {
    const slow = await server(() => null);
    const c = client([slow.address], { requestTimeoutMs: 20, deadlineMs: 80 });
    await expect(c.set('k', 'v')).rejects.toMatchObject({ outcomeUnknown: true });
  });

  it('raises other error replies as SERVER_ERROR with the server text', async () => {
    const node = await server(() => resp.error('ERR value too large'));
    const c = client([node.address]);
    await expect(c.set('k', 'v')).rejects.toMatchObject({ code: 'SERVER_ERROR', serverMessage: 'ERR value too large' });
    expect(node.requests).toHaveLength(1);
  });

  it('retries BUSY on the same node', async () => {
    let busy = 2;
    const store = new Map<string, string>();
    const kv = kvHandler(store);
    const node = await server((args, s) => (busy-- > 0 ? resp.error('BUSY too many pending requests') : kv(args, s)));
    const c = client([node.address]);
    await c.set('k', 'v');
    expect(store.get('k')).toBe('v');
  });

  it('finds the leader from INFO', async () => {
    const leader = await server(kvHandler(new Map(), { nodeId: 'n2' }));
    const follower = await server(followerHandler(() => leader.address));
    const c = client([follower.address, leader.address]);
    expect(await c.findLeader()).toBe(leader.address);
  });
});

describe('parseInfo', () => {
  it('reads field:value lines, skipping headers and blanks', () => {
    expect(parseInfo('# raftkv\r\nnode_id:n1\r\n\r\nleader:127.0.0.1:7001\n')).toEqual({ node_id: 'n1', leader: '127.0.0.1:7001' });
  });
});
