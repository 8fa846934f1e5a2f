/**
 * Differential test against a real redis-server (Debian's package, started
 * here on a free loopback port): fast-check generates command sequences over
 * a few keys, restricted to the commands raftkv supports; each command goes
 * to both servers and the replies must be the same. Time-dependent replies
 * (TTL) are compared by sign; key order (KEYS, SCAN) is not generated.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSingleNode, type TestNode } from '../support/in-process.js';
import { RawClient } from '../support/raw-client.js';
import { RedisServer } from '../support/redis-server.js';

const key = fc.constantFrom('k0', 'k1', 'k2', '{t}k3');
const value = fc.oneof(fc.constantFrom('0', '1', '-7', '10', 'abc', '', '9223372036854775807', '1.5'), fc.stringMatching(/^[a-z0-9]{1,6}$/));
const amount = fc.constantFrom('1', '-3', '100', 'x', '9223372036854775807');
const seconds = fc.constantFrom('1000', '2000', '0', '-1', 'abc');

/** One command line (raw inline form), for the commands raftkv supports. */
const command: fc.Arbitrary<string[]> = fc.oneof(
  fc.tuple(key, value).map(([k, v]) => ['SET', k, v]),
  fc.tuple(key, value, fc.subarray(['NX', 'XX', 'GET', 'KEEPTTL'], { maxLength: 2 })).map(([k, v, o]) => ['SET', k, v, ...o]),
  fc.tuple(key, value, fc.constantFrom('EX', 'PX'), fc.constantFrom('1000', '5000000', '0', 'x')).map(([k, v, u, n]) => ['SET', k, v, u, n]),
  key.map((k) => ['GET', k]),
  fc.array(key, { minLength: 1, maxLength: 3 }).map((ks) => ['DEL', ...ks]),
  fc.array(key, { minLength: 1, maxLength: 3 }).map((ks) => ['EXISTS', ...ks]),
  fc.array(key, { minLength: 1, maxLength: 3 }).map((ks) => ['MGET', ...ks]),
  fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 3 }).map((ps) => ['MSET', ...ps.flat()]),
  fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 3 }).map((ps) => ['MSETNX', ...ps.flat()]),
  fc.tuple(key, value).map(([k, v]) => ['SETNX', k, v]),
  fc.tuple(key, value).map(([k, v]) => ['GETSET', k, v]),
  key.map((k) => ['GETDEL', k]),
  key.map((k) => ['INCR', k]),
  key.map((k) => ['DECR', k]),
  fc.tuple(key, amount).map(([k, a]) => ['INCRBY', k, a]),
  fc.tuple(key, amount).map(([k, a]) => ['DECRBY', k, a]),
  fc.tuple(key, value).map(([k, v]) => ['APPEND', k, v]),
  key.map((k) => ['STRLEN', k]),
  key.map((k) => ['TYPE', k]),
  fc.tuple(key, seconds, fc.subarray(['NX', 'XX', 'GT', 'LT'], { maxLength: 2 })).map(([k, s, o]) => ['EXPIRE', k, s, ...o]),
  key.map((k) => ['TTL', k]),
  key.map((k) => ['PERSIST', k]),
  fc.tuple(key, fc.constantFrom('PERSIST', 'EX')).map(([k, o]) => (o === 'EX' ? ['GETEX', k, 'EX', '1000'] : ['GETEX', k, o])),
  fc.tuple(key, key).map(([a, b]) => ['RENAME', a, b]),
  fc.tuple(key, key).map(([a, b]) => ['RENAMENX', a, b]),
  fc.constant<string[]>(['DBSIZE']),
  fc.array(fc.oneof(fc.tuple(key, value).map(([k, v]) => ['SET', k, v]), key.map((k) => ['INCR', k]), key.map((k) => ['GET', k])), { maxLength: 3 }).map((inner) => ['TX', ...inner.map((c) => c.join('\u0000'))]),
);

/** RESP2 array request bytes for one command. */
function resp(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** Replies whose exact value depends on the clock, compared by sign. */
function normalize(args: readonly string[], reply: string): string {
  if (args[0] === 'TTL') return reply.replace(/^\(integer\) ([1-9]\d*)$/, '(integer) positive');
  return reply;
}

async function call(client: RawClient, args: readonly string[]): Promise<string[]> {
  if (args[0] !== 'TX') {
    const before = client.replies.length;
    client.send(resp(args));
    return [normalize(args, (await client.read(before + 1))[before]!)];
  }
  // A transaction: MULTI, the queued commands, EXEC.
  const lines = [['MULTI'], ...args.slice(1).map((c) => c.split('\u0000')), ['EXEC']];
  const out: string[] = [];
  for (const line of lines) out.push(...(await call(client, line)));
  return out;
}

describe('differential: raftkv vs redis-server', { timeout: 300_000 }, () => {
  let node: TestNode;
  let redis: RedisServer;
  let ours: RawClient;
  let theirs: RawClient;

  beforeAll(async () => {
    [node, redis] = await Promise.all([startSingleNode(), RedisServer.start()]);
    [ours, theirs] = await Promise.all([RawClient.connect(node.clientPort), RawClient.connect(redis.port)]);
  });
  afterAll(async () => {
    ours?.destroy();
    theirs?.destroy();
    await Promise.all([node?.close(), redis?.stop()]);
  });

  it('random command sequences get the same replies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), async (commands) => {
        await call(ours, ['FLUSHALL']);
        await call(theirs, ['FLUSHALL']);
        for (const args of commands) {
          const [a, b] = [await call(ours, args), await call(theirs, args)];
          expect(a, args.join(' ')).toEqual(b);
        }
      }),
      {
        numRuns: 60,
        // Counterexamples found earlier, always tried first.
        examples: [
          // EXPIRE ... XX LT on a key without expiry: XX wins (Redis answers 0); raftkv once let LT alone decide.
          [[['MSET', 'k0', '0'], ['EXPIRE', 'k0', '1000', 'XX', 'LT']]],
        ],
      },
    );
  });
});
