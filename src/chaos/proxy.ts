/**
 * The fallback mechanism: a TCP proxy on every directed peer link. Node A's config
 * names, as B's peer address, the proxy of link A->B, which forwards to B. Since a
 * raftkv node only writes on the connections it dials (transport/peer.ts), link
 * A->B carries exactly A's messages to B, and cutting it is a one-way cut.
 *
 * A cut link either black-holes (stops reading, so bytes wait in socket buffers and
 * flow again on heal, like TCP after a dropped-packet partition) or resets (closes
 * every connection and refuses new ones, like a firewall sending RST).
 */
import net, { type Server, type Socket } from 'node:net';
import { ChaosError } from './errors.js';
import type { Link } from './partitions.js';
import type { NetFaults } from './net-faults.js';

export type CutMode = 'blackhole' | 'reset';

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
}

export class LinkProxy {
  private readonly pairs = new Set<Pair>();
  private cutMode: CutMode | null = null;
  forwardedBytes = 0;

  private constructor(
    private readonly server: Server,
    readonly target: { readonly host: string; readonly port: number },
  ) {
    server.on('connection', (socket) => this.accept(socket));
  }

  /** Listens on host:0 (an ephemeral port) and forwards to target. */
  static async listen(target: { host: string; port: number }, host = '127.0.0.1'): Promise<LinkProxy> {
    const server = net.createServer({ pauseOnConnect: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(new ChaosError('PROXY_FAILED', `proxy listen failed: ${error.message}`, { cause: error })));
      server.listen(0, host, () => resolve());
    });
    return new LinkProxy(server, target);
  }

  get address(): { host: string; port: number } {
    const address = this.server.address() as net.AddressInfo;
    return { host: address.address, port: address.port };
  }

  get isCut(): boolean {
    return this.cutMode !== null;
  }

  cut(mode: CutMode): void {
    this.cutMode = mode;
    for (const pair of this.pairs) {
      if (mode === 'reset') destroyPair(pair);
      else for (const socket of [pair.client, pair.upstream]) socket.pause();
    }
  }

  heal(): void {
    this.cutMode = null;
    for (const pair of this.pairs) for (const socket of [pair.client, pair.upstream]) socket.resume();
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) destroyPair(pair);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.cutMode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(this.target);
    const pair = { client, upstream };
    this.pairs.add(pair);
    const gone = (): void => {
      this.pairs.delete(pair);
      destroyPair(pair);
    };
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      from.on('data', (chunk: Buffer) => {
        this.forwardedBytes += chunk.length;
        // Respect backpressure; a black-holed link stays paused until heal.
        if (!to.write(chunk)) from.pause();
      });
      to.on('drain', () => {
        if (this.cutMode === null) from.resume();
      });
      from.on('error', gone);
      from.on('close', gone);
    }
    upstream.pause();
    if (this.cutMode === null) {
      client.resume();
      upstream.resume();
    }
  }
}

function destroyPair(pair: Pair): void {
  pair.client.destroy();
  pair.upstream.destroy();
}

/** One LinkProxy per ordered pair of nodes. */
export class ProxyNet implements NetFaults {
  readonly mechanism = 'proxy' as const;

  private constructor(
    private readonly proxies: ReadonlyMap<string, LinkProxy>,
    private readonly mode: CutMode,
  ) {}

  /** `peers`: node id -> its real peer listen address. */
  static async create(peers: ReadonlyMap<string, { host: string; port: number }>, mode: CutMode = 'blackhole'): Promise<ProxyNet> {
    const proxies = new Map<string, LinkProxy>();
    try {
      for (const from of peers.keys()) {
        for (const [to, target] of peers) if (to !== from) proxies.set(linkKey({ from, to }), await LinkProxy.listen(target));
      }
    } catch (error) {
      await Promise.all([...proxies.values()].map((p) => p.close()));
      throw error;
    }
    return new ProxyNet(proxies, mode);
  }

  /** The address node `from` must use for peer `to`. */
  addressFor(from: string, to: string): { host: string; port: number } {
    return this.proxy({ from, to }).address;
  }

  /**
   * A joined node talks to the others directly: once the membership changes, nodes
   * dial the peer addresses of the logged configuration, not their config files'
   * proxies, so cuts are only exact before any change (setup.ts refuses network
   * faults together with the membership nemesis on proxies).
   */
  addNode(): void {}

  async apply(cut: readonly Link[]): Promise<void> {
    const keys = new Set(cut.map(linkKey));
    for (const [key, proxy] of this.proxies) {
      if (keys.has(key)) proxy.cut(this.mode);
      else proxy.heal();
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((proxy) => proxy.close()));
  }

  private proxy(link: Link): LinkProxy {
    const proxy = this.proxies.get(linkKey(link));
    if (proxy === undefined) throw new ChaosError('PROXY_FAILED', `no proxy for ${link.from}->${link.to}`);
    return proxy;
  }
}

function linkKey(link: Link): string {
  return `${link.from}->${link.to}`;
}
