import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/raft/types.js';
import { MemoryNetwork, MemoryTransport, memoryAddress } from '../../src/transport/memory.js';
import { Inbox, numbered, oneOfEach, waitFor } from './helpers.js';

async function trio(options: { linkMessagesMax?: number } = {}) {
  const network = new MemoryNetwork();
  const ids = ['a', 'b', 'c'] as const;
  const peers = (id: string) => ids.filter((other) => other !== id).map(memoryAddress);
  const transports = Object.fromEntries(ids.map((id) => [id, new MemoryTransport(network, { self: id, peers: peers(id), ...options })]));
  const inboxes = Object.fromEntries(ids.map((id) => [id, new Inbox()]));
  for (const id of ids) await transports[id]?.start(inboxes[id]?.handler ?? (() => {}));
  const t = (id: string) => transports[id] as MemoryTransport;
  const rounds = (id: string) => (inboxes[id] as Inbox).messages.map((m) => (m.type === 'Heartbeat' ? m.readRound : -1));
  return { network, t, rounds };
}

describe('MemoryNetwork', () => {
  it('delivers asynchronously, never inside send()', async () => {
    const { t, rounds } = await trio();
    t('a').send(numbered('a', 'b', 1));
    expect(rounds('b')).toEqual([]);
    await waitFor(() => rounds('b').length === 1, 'delivery');
  });

  it('partition cuts both directions, including messages already in flight; heal restores', async () => {
    const { network, t, rounds } = await trio();
    t('a').send(numbered('a', 'b', 1));
    network.partition('a', 'b');
    t('a').send(numbered('a', 'b', 2));
    t('b').send(numbered('b', 'a', 3));
    t('a').send(numbered('a', 'c', 4));
    await waitFor(() => rounds('c').length === 1, 'delivery across an intact link');
    expect(rounds('b')).toEqual([]);
    expect(rounds('a')).toEqual([]);
    expect(t('a').stats().dropped).toBe(1);
    network.heal();
    t('a').send(numbered('a', 'b', 5));
    await waitFor(() => rounds('b').length === 1, 'delivery after heal');
    expect(rounds('b')).toEqual([5]);
  });

  it('block cuts one direction only', async () => {
    const { network, t, rounds } = await trio();
    network.block('a', 'b');
    t('a').send(numbered('a', 'b', 1));
    t('b').send(numbered('b', 'a', 2));
    await waitFor(() => rounds('a').length === 1, 'delivery on the open direction');
    expect(rounds('b')).toEqual([]);
  });

  it('isolate cuts a node from everyone', async () => {
    const { network, t, rounds } = await trio();
    network.isolate('c');
    t('c').send(numbered('c', 'a', 1));
    t('b').send(numbered('b', 'c', 2));
    t('b').send(numbered('b', 'a', 3));
    await waitFor(() => rounds('a').length === 1, 'delivery between the others');
    expect(rounds('a')).toEqual([3]);
    expect(rounds('c')).toEqual([]);
  });

  it('bounds messages in flight per link and counts the drops', async () => {
    const { network, t, rounds } = await trio({ linkMessagesMax: 3 });
    for (let n = 0; n < 5; n++) t('a').send(numbered('a', 'b', n));
    expect(network.inFlight('a', 'b')).toBe(3);
    expect(t('a').stats()).toMatchObject({ sent: 3, dropped: 2 });
    await waitFor(() => rounds('b').length === 3, 'delivery');
    expect(rounds('b')).toEqual([0, 1, 2]);
    expect(network.inFlight('a', 'b')).toBe(0);
  });

  it('refuses at send() a message the wire codec cannot carry', async () => {
    const { t } = await trio();
    const append = oneOfEach('a', 'b')[2] as Message & { type: 'AppendEntries' };
    const bad = { ...append, entries: [{ index: 1, term: 1, type: 1, data: 'not bytes' }] } as unknown as Message;
    expect(() => t('a').send(bad)).toThrow(/cannot travel on the wire/);
    expect(() => t('a').send({ ...numbered('a', 'b', 1), term: 1n } as unknown as Message)).toThrow(/wire/);
  });

  it('delivers a copy: mutating the sent entry data does not change what arrives', async () => {
    const { network } = await trio();
    const inbox = new Inbox();
    const d = new MemoryTransport(network, { self: 'd' });
    await d.start(inbox.handler);
    const append = oneOfEach('a', 'd')[2] as Message & { type: 'AppendEntries' };
    const data = Uint8Array.of(1, 2, 3);
    const a = new MemoryTransport(network, { self: 'x', peers: [memoryAddress('d')] });
    await a.start(() => {});
    a.send({ ...append, from: 'x', entries: [{ index: 1, term: 1, type: 1, data }] });
    data[0] = 99;
    await waitFor(() => inbox.messages.length === 1, 'delivery');
    const got = inbox.messages[0];
    expect(got?.type === 'AppendEntries' && [...(got.entries[0]?.data ?? [])]).toEqual([1, 2, 3]);
  });
});
