/**
 * A small fake raftkv node for tests: a net.Server that parses RESP arrays (and
 * inline commands) and answers through a handler, in request order.
 *
 * It speaks client sessions the way a real node does, so handlers only see
 * plain commands: `SESSION` is answered `:1` here, and `SEQ id n [lowest] <command>`
 * reaches the handler (and `requests`) as `<command>`, with every SEQ header
 * kept in `sequenced`.
 */
import net from 'node:net';

/** Raw reply bytes, or null to never answer (for timeout tests). */
export type FakeReply = string | Buffer | null;
export type FakeHandler = (args: string[], server: FakeServer) => FakeReply | Promise<FakeReply>;

export interface FakeServer {
  readonly port: number;
  readonly address: string;
  /** Every request received, in order (SEQ headers removed, SESSION left out). */
  readonly requests: string[][];
  /** [session, seq, lowest pending ('' if absent)] of every SEQ-wrapped request, in order. */
  readonly sequenced: Array<[string, string, string]>;
  readonly sockets: Set<net.Socket>;
  close(): Promise<void>;
}

export async function startFakeServer(handler: FakeHandler): Promise<FakeServer> {
  const sockets = new Set<net.Socket>();
  const requests: string[][] = [];
  const sequenced: Array<[string, string, string]> = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    serveSocket(socket, (args) => {
      if (args[0]?.toUpperCase() === 'SESSION') return ':1\r\n';
      if (args[0]?.toUpperCase() === 'SEQ') {
        // SEQ id n [lowest] command...: `lowest` is numeric, a command name never is.
        const lowest = /^\d+$/.test(args[3] ?? '') ? args[3]! : '';
        sequenced.push([args[1]!, args[2]!, lowest]);
        args = args.slice(lowest === '' ? 3 : 4);
      }
      requests.push(args);
      return handler(args, fake);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const fake: FakeServer = {
    port,
    address: `127.0.0.1:${port}`,
    requests,
    sequenced,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return fake;
}

function serveSocket(socket: net.Socket, handle: (args: string[]) => FakeReply | Promise<FakeReply>): void {
  let buffer = Buffer.alloc(0);
  let chain: Promise<void> = Promise.resolve();
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const parsed = parseRequest(buffer);
      if (parsed === null) break;
      buffer = buffer.subarray(parsed.used);
      const args = parsed.args;
      const reply = handle(args);
      // Replies leave in request order even when a handler is asynchronous.
      chain = chain.then(async () => {
        const answer = await reply;
        // A request left unanswered holds up every later reply, as on a real server.
        if (answer === null) return new Promise<void>(() => undefined);
        if (!socket.destroyed) socket.write(answer);
      });
    }
  });
}

function parseRequest(buf: Buffer): { args: string[]; used: number } | null {
  const eol = buf.indexOf('\r\n');
  if (eol < 0) return null;
  if (buf[0] !== 0x2a) {
    const line = buf.toString('utf8', 0, eol).trim();
    return { args: line === '' ? [] : line.split(/\s+/), used: eol + 2 };
  }
  const count = Number(buf.toString('latin1', 1, eol));
  let at = eol + 2;
  const args: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const end = buf.indexOf('\r\n', at);
    if (end < 0) return null;
    const len = Number(buf.toString('latin1', at + 1, end));
    if (buf.length < end + 2 + len + 2) return null;
    args.push(buf.toString('utf8', end + 2, end + 2 + len));
    at = end + 2 + len + 2;
  }
  return { args, used: at };
}

export const resp = {
  ok: '+OK\r\n',
  int: (n: number): string => `:${n}\r\n`,
  bulk: (s: string | null): string => (s === null ? '$-1\r\n' : `$${Buffer.byteLength(s)}\r\n${s}\r\n`),
  array: (items: string[]): string => `*${items.length}\r\n${items.map((s) => resp.bulk(s)).join('')}`,
  error: (message: string): string => `-${message}\r\n`,
};

export interface KvNodeOptions {
  readonly nodeId?: string;
  readonly role?: string;
  readonly leader?: string;
}

/** Answers like a leader holding `store`. */
export function kvHandler(store: Map<string, string>, options: KvNodeOptions = {}): FakeHandler {
  return (args) => {
    const [name = '', ...rest] = args;
    switch (name.toUpperCase()) {
      case 'PING':
        return '+PONG\r\n';
      case 'SET':
        store.set(rest[0] ?? '', rest[1] ?? '');
        return resp.ok;
      case 'GET':
        return resp.bulk(store.get(rest[0] ?? '') ?? null);
      case 'DEL':
        return resp.int(rest.filter((k) => store.delete(k)).length);
      case 'EXISTS':
        return resp.int(rest.filter((k) => store.has(k)).length);
      case 'KEYS':
      case 'LIST':
        return listKeys(store, name.toUpperCase(), rest[0] ?? '');
      case 'CAS':
        return cas(store, rest);
      case 'INFO':
        return resp.bulk(info(options, store));
      default:
        return resp.error(`ERR unknown command '${name}'`);
    }
  };
}

function listKeys(store: Map<string, string>, name: string, arg: string): string {
  const keys = [...store.keys()].sort();
  if (name === 'LIST') return resp.array(keys.filter((k) => k.startsWith(arg)));
  const re = new RegExp(`^${arg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return resp.array(keys.filter((k) => re.test(k)));
}

function cas(store: Map<string, string>, [key = '', expected = '', value = '']: string[]): string {
  if (store.get(key) !== expected) return resp.int(0);
  store.set(key, value);
  return resp.int(1);
}

function info(options: KvNodeOptions, store: Map<string, string>): string {
  return [
    '# raftkv',
    `node_id:${options.nodeId ?? 'n1'}`,
    `role:${options.role ?? 'leader'}`,
    'term:3',
    `leader:${options.leader ?? options.nodeId ?? 'n1'}`,
    `commit_index:${store.size + 10}`,
    `applied_index:${store.size + 10}`,
    `last_log_index:${store.size + 11}`,
  ].join('\r\n');
}

/** A follower: answers INFO and PING itself and redirects everything else to `leader`. */
export function followerHandler(leader: () => string, options: KvNodeOptions = {}): FakeHandler {
  return (args) => {
    const name = (args[0] ?? '').toUpperCase();
    if (name === 'PING') return '+PONG\r\n';
    if (name === 'INFO') return resp.bulk(info({ role: 'follower', ...options }, new Map()));
    return resp.error(`MOVED 0 ${leader()}`);
  };
}

/** A free port with nobody listening (connections to it are refused). */
export async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
