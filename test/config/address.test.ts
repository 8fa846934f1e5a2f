import { describe, expect, test } from 'vitest';
import {
  AddressError,
  formatHostPort,
  memberById,
  parseHostPort,
  peersOf,
  tryParseHostPort,
} from '../../src/config/index.js';

describe('parseHostPort', () => {
  test.each([
    ['127.0.0.1:7001', '127.0.0.1', 7001],
    ['localhost:1', 'localhost', 1],
    ['db-1.example.com:65535', 'db-1.example.com', 65535],
    ['[::1]:7001', '::1', 7001],
    ['[fe80::1]:80', 'fe80::1', 80],
  ])('%s', (text, host, port) => {
    expect(parseHostPort(text)).toEqual({ host, port });
    expect(formatHostPort({ host, port })).toBe(text);
  });

  test.each([
    ['', 'expected host:port'],
    ['localhost', 'expected host:port'],
    [':7001', 'missing host before the port'],
    ['localhost:', 'port must be an integer 1-65535, got ""'],
    ['localhost:0', 'port must be an integer 1-65535, got 0'],
    ['localhost:65536', 'port must be an integer 1-65535, got 65536'],
    ['localhost:80a', 'port must be an integer 1-65535, got "80a"'],
    ['localhost:-1', 'port must be an integer 1-65535, got "-1"'],
    ['::1:7001', 'IPv6 hosts go in brackets, as in [::1]:port'],
    ['[nope]:7001', 'bad host "[nope]"'],
    ['a b:7001', 'bad host "a b"'],
    ['-host:7001', 'bad host "-host"'],
  ])('rejects %j', (text, reason) => {
    expect(tryParseHostPort(text)).toBe(reason);
    const error = (() => {
      try {
        parseHostPort(text);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(AddressError);
    expect(error).toMatchObject({ code: 'BAD_ADDRESS', address: text, reason });
    expect((error as Error).message).toBe(`bad address ${JSON.stringify(text)}: ${reason}`);
  });
});

describe('member lookup', () => {
  const config = {
    nodeId: 'b',
    members: [
      { id: 'a', peer: 'h:1', client: 'h:2' },
      { id: 'b', peer: 'h:3', client: 'h:4' },
      { id: 'c', peer: 'h:5', client: 'h:6' },
    ],
  };

  test('memberById finds a member or returns undefined', () => {
    expect(memberById(config, 'c')?.peer).toBe('h:5');
    expect(memberById(config, 'z')).toBeUndefined();
  });

  test('peersOf is every member but this node', () => {
    expect(peersOf(config).map((m) => m.id)).toEqual(['a', 'c']);
  });
});
