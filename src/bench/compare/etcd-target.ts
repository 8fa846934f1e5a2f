/**
 * etcd's LoadTarget through its gRPC client (the etcd3 package): load
 * connections share one client (one HTTP/2 connection) per CLIENTS_PER_CHANNEL,
 * as etcd's own benchmark tool shares `--conns` among `--clients`. Reads are
 * linearizable, etcd's default.
 */
import { Etcd3 } from 'etcd3';
import type { LoadConnection, LoadTarget } from './target.js';

const CLIENTS_PER_CHANNEL = 8;

export class EtcdTarget implements LoadTarget {
  private readonly channels: Etcd3[] = [];

  constructor(private readonly endpoint: string) {}

  async open(index: number): Promise<LoadConnection> {
    const channelIndex = Math.floor(index / CLIENTS_PER_CHANNEL);
    while (this.channels.length <= channelIndex) this.channels.push(new Etcd3({ hosts: this.endpoint }));
    const client = this.channels[channelIndex]!;
    return {
      set: async (key, value) => {
        await client.put(key).value(value);
      },
      get: async (key) => {
        await client.get(key).buffer();
      },
      close: async () => {},
    };
  }

  async close(): Promise<void> {
    for (const channel of this.channels.splice(0)) channel.close();
  }
}
