import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { followerHandler, kvHandler, resp, startFakeServer, unusedPort, type FakeServer } from '../client/fake-server.js';
import { waitFor } from '../support/wait.js';
import { fakeIo, removeFakeIoFiles } from './fake-io.js';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(removeFakeIoFiles);

async function leaderAndFollower(store = new Map<string, string>()): Promise<{ leader: FakeServer; follower: FakeServer; cluster: string }> {
  const leader = await startFakeServer(kvHandler(store, { nodeId: 'n2' }));
  const follower = await startFakeServer(followerHandler(() => leader.address, { nodeId: 'n1', leader: 'n2' }));
  servers.push(leader, follower);
  return { leader, follower, cluster: `${follower.address},${leader.address}` };
}

async function run(...args: string[]): Promise<ReturnType<typeof fakeIo>> {
  const io = fakeIo();
  await main(['node', 'raftkv', ...args], io);
  return io;
}

describe('raftkv cli (one-shot)', () => {
  it('runs a command through a follower redirect and prints the result', async () => {
    const store = new Map<string, string>();
    const { cluster } = await leaderAndFollower(store);
    expect((await run('cli', '--cluster', cluster, 'set', 'k', 'hello world')).out()).toBe('OK\n');
    expect(store.get('k')).toBe('hello world');
    const get = await run('cli', '--cluster', cluster, 'get', 'k');
    expect(get.out()).toBe('hello world\n');
    expect(get.exits).toEqual([]);
    expect((await run('cli', '--cluster', cluster, 'get', 'nope')).out()).toBe('(nil)\n');
    expect((await run('cli', '--cluster', cluster, 'del', 'k', 'x')).out()).toBe('(integer) 1\n');
  });

  it('passes dash-leading words through as arguments', async () => {
    const store = new Map<string, string>();
    const { cluster } = await leaderAndFollower(store);
    await run('cli', '--cluster', cluster, 'put', 'n', '-5');
    expect(store.get('n')).toBe('-5');
  });

  it('prints a user error in one line and exits 1', async () => {
    const { cluster } = await leaderAndFollower();
    const io = await run('cli', '--cluster', cluster, 'frobnicate', 'k');
    expect(io.exits).toEqual([1]);
    expect(io.err()).toBe('error: unknown command "frobnicate"; try help\n');
    const arity = await run('cli', '--cluster', cluster, 'get');
    expect(arity.err()).toBe('error: usage: get <key>\n');
  });

  it('reports a server error with its code and text, without a stack', async () => {
    const node = await startFakeServer(() => resp.error('ERR value too large'));
    servers.push(node);
    const io = await run('cli', '--cluster', node.address, 'set', 'k', 'v');
    expect(io.exits).toEqual([1]);
    expect(io.err()).toContain('error (SERVER_ERROR)');
    expect(io.err()).toContain('ERR value too large');
    expect(io.err()).not.toMatch(/\n\s+at /);
  });

  it('rejects a malformed --cluster list', async () => {
    const io = await run('cli', '--cluster', 'localhost', 'ping');
    expect(io.exits).toEqual([1]);
    expect(io.err()).toContain('bad address "localhost"');
  });
});

describe('raftkv status', () => {
  it('shows every node, unreachable ones as down, and a verdict; a majority up with a leader exits 0', async () => {
    const { cluster } = await leaderAndFollower(new Map([['a', '1']]));
    const dead = `127.0.0.1:${await unusedPort()}`;
    const io = await run('status', '--cluster', `${cluster},${dead}`);
    const lines = io.out().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^node\s+address\s+role\s+term\s+leader\s+commit\s+applied\s+last log index$/);
    expect(lines[1]).toMatch(/^n1\s+127\.0\.0\.1:\d+\s+follower\s+3\s+n2/);
    expect(lines[2]).toMatch(/^n2\s+127\.0\.0\.1:\d+\s+leader\s+3\s+n2\s+11\s+11\s+12$/);
    expect(lines[3]).toMatch(new RegExp(`^\\?\\s+${dead.replace(/\./g, '\\.')}\\s+down$`));
    expect(lines[4]).toBe('cluster ok: leader n2 in term 3, 2 of 3 members up');
    expect(io.exits).toEqual([]);
  });

  it('prints JSON with --json: the verdict, and INFO fields with numbers as numbers', async () => {
    const { cluster } = await leaderAndFollower();
    const io = await run('status', '--cluster', cluster, '--json');
    const parsed = JSON.parse(io.out()) as { ok: boolean; leader: string; term: number; members: Array<Record<string, unknown>> };
    expect(parsed.ok).toBe(true);
    expect(parsed.leader).toBe('n2');
    expect(parsed.term).toBe(3);
    expect(parsed.members.map((m) => m['role'])).toEqual(['follower', 'leader']);
    expect(parsed.members[1]).toMatchObject({ up: true, node: 'n2', term: 3, commitIndex: 10, appliedIndex: 10, lastLogIndex: 11, lagEntries: 0 });
    expect(parsed.members[0]).toMatchObject({ lastLogIndex: 11, lagEntries: 0 });
    expect(io.exits).toEqual([]);
  });

  it('exits 1 when no node is reachable', async () => {
    const dead = [`127.0.0.1:${await unusedPort()}`, `127.0.0.1:${await unusedPort()}`];
    const io = await run('status', '--cluster', dead.join(','));
    expect(io.exits).toEqual([1]);
    expect(io.out()).toContain('cluster NOT OK: no leader reachable; quorum down: 0 of 2 members reachable, 2 needed');
    const json = await run('status', '--cluster', dead.join(','), '--json');
    expect(json.exits).toEqual([1]);
    expect(JSON.parse(json.out())).toMatchObject({ ok: false, leader: null, up: 0, size: 2 });
  });

  it('exits 1 when nodes are up but none is leader', async () => {
    const a = await startFakeServer(kvHandler(new Map(), { nodeId: 'n1', role: 'candidate', leader: '' }));
    const b = await startFakeServer(kvHandler(new Map(), { nodeId: 'n2', role: 'follower', leader: '' }));
    servers.push(a, b);
    const io = await run('status', '--cluster', `${a.address},${b.address}`);
    expect(io.exits).toEqual([1]);
    expect(io.out()).toContain('cluster NOT OK: no leader reachable');
    expect(io.out()).not.toContain('quorum down');
  });

  it('exits 1 when a leader is reachable but a majority is down', async () => {
    const { leader } = await leaderAndFollower();
    const dead = [`127.0.0.1:${await unusedPort()}`, `127.0.0.1:${await unusedPort()}`];
    const io = await run('status', '--cluster', [leader.address, ...dead].join(','));
    expect(io.exits).toEqual([1]);
    expect(io.out()).toContain('cluster NOT OK: quorum down: 1 of 3 members reachable, 2 needed');
  });

  it('--watch reports again and again until Ctrl-C, then exits with the last verdict', async () => {
    const { cluster } = await leaderAndFollower();
    const io = fakeIo();
    const running = main(['node', 'raftkv', 'status', '--cluster', cluster, '--json', '--watch', '0.05'], io);
    await waitFor(() => io.out().trim().split('\n').length >= 3, { what: 'three reports' });
    io.signal('SIGINT');
    await running;
    expect(io.exits).toEqual([]);
    const reports = io.out().trim().split('\n').map((line) => JSON.parse(line) as { ok: boolean });
    expect(reports.length).toBeGreaterThanOrEqual(3);
    expect(reports.every((r) => r.ok)).toBe(true);
  });
});

describe('raftkv server', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  function tempConfig(text: string): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'raftkv-config-'));
    dirs.push(dir);
    const file = path.join(dir, 'node1.json');
    writeFileSync(file, text);
    return file;
  }

  it('prints a broken config file error and exits with code 2', async () => {
    const file = tempConfig('{ "nodeId": "n1", ');
    const io = await run('server', '--config', file);
    expect(io.exits).toEqual([2]);
    expect(io.err()).toContain(file);
    expect(io.err()).toContain('invalid JSON');
  });

  it('exits with code 2 for a config that breaks the rules, or a missing file', async () => {
    const invalid = await run('server', '--config', tempConfig('{ "nodeId": "n9", "members": [] }'));
    expect(invalid.exits).toEqual([2]);
    expect(invalid.err()).not.toBe('');
    const missing = await run('server', '--config', '/nonexistent/raftkv/node1.json');
    expect(missing.exits).toEqual([2]);
    expect(missing.err()).toContain('no such config file');
  });

  it('rejects an unknown timing preset before loading anything', async () => {
    const io = await run('server', '--config', 'x.json', '--timing', 'warp');
    expect(io.exits).toEqual([1]);
    expect(io.err()).toContain('warp');
  });
});

describe('raftkv cli (REPL)', () => {
  it('runs piped commands line by line, survives errors, prints results only', async () => {
    const store = new Map<string, string>();
    const { cluster } = await leaderAndFollower(store);
    const io = fakeIo();
    io.input.end('set greeting "hello there"\nget greeting\nbogus\nlist\nquit\nget never-run\n');
    await main(['node', 'raftkv', 'cli', '--cluster', cluster], io);
    expect(io.out()).toBe('OK\nhello there\ngreeting\n');
    expect(io.err()).toBe('error: unknown command "bogus"; try help\n');
    expect(store.get('greeting')).toBe('hello there');
    expect(store.has('never-run')).toBe(false);
    expect(existsSync(io.historyFile as string)).toBe(false);
    expect(io.exits).toEqual([]);
  });

  it('prompts at a terminal and keeps a history file', async () => {
    const { cluster } = await leaderAndFollower();
    const io = fakeIo();
    writeFileSync(io.historyFile as string, 'get old\n');
    Object.assign(io.input, { isTTY: true });
    io.input.end('ping\nexit\n');
    await main(['node', 'raftkv', 'cli', '--cluster', cluster], io);
    expect(io.out()).toMatch(/^connected to .*\nraftkv> PONG\nraftkv> $/);
    expect(readFileSync(io.historyFile as string, 'utf8')).toBe('get old\nping\nexit\n');
  });
});

describe('raftkv bench', () => {
  it('prints a JSON summary', async () => {
    const { cluster, leader } = await leaderAndFollower();
    const io = await run('bench', '--cluster', cluster, '--connections', '2', '--pipeline', '2', '--duration', '0.3', '--warmup', '0', '--workload', 'get', '--keyspace', '20', '--json');
    const result = JSON.parse(io.out()) as { ops: number; leader: string; errors: object; latencyUs: { p50: number; max: number } };
    expect(result.leader).toBe(leader.address);
    expect(result.ops).toBeGreaterThan(0);
    expect(result.errors).toEqual({});
    expect(result.latencyUs.p50).toBeLessThanOrEqual(result.latencyUs.max);
  });

  it('rejects a bad option value', async () => {
    const io = await run('bench', '--connections', '0');
    expect(io.exits).toEqual([1]);
    expect(io.err()).toContain('at least 1');
  });
});
