import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/config/types.js';
import { parseCommand, wrongArity } from '../../src/protocol/commands.js';

const limits = DEFAULT_LIMITS;
const b = (s: string) => Buffer.from(s, 'latin1');
const parse = (...args: (string | Buffer)[]) =>
  parseCommand(args.map((a) => (typeof a === 'string' ? b(a) : a)), limits);
const request = (...args: (string | Buffer)[]) => {
  const result = parse(...args);
  if (!result.ok) throw new Error(`expected a request, got ${result.error}`);
  return result.request;
};
const error = (...args: (string | Buffer)[]) => {
  const result = parse(...args);
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.request)}`);
  return result.error;
};

describe('parseCommand: key-value commands', () => {
  it('parses SET and its alias PUT, case-insensitively', () => {
    const expected = { kind: 'write', command: { op: 'set', key: b('k'), value: b('v') } };
    for (const name of ['SET', 'set', 'sEt', 'PUT', 'put']) expect(request(name, 'k', 'v')).toEqual(expected);
  });

  it('parses GET, EXISTS, KEYS and LIST as reads', () => {
    expect(request('get', 'k')).toEqual({ kind: 'read', query: { op: 'get', key: b('k') } });
    expect(request('EXISTS', 'a', 'b')).toEqual({ kind: 'read', query: { op: 'exists', keys: [b('a'), b('b')] } });
    expect(request('KEYS', 'user:*')).toEqual({ kind: 'read', query: { op: 'keys', pattern: b('user:*') } });
    expect(request('LIST')).toEqual({ kind: 'read', query: { op: 'list', prefix: b('') } });
    expect(request('list', 'user:')).toEqual({ kind: 'read', query: { op: 'list', prefix: b('user:') } });
  });

  it('parses DEL and its alias DELETE, with many keys', () => {
    const expected = { kind: 'write', command: { op: 'del', keys: [b('a'), b('b'), b('c')] } };
    expect(request('DEL', 'a', 'b', 'c')).toEqual(expected);
    expect(request('delete', 'a', 'b', 'c')).toEqual(expected);
  });

  it('parses CAS', () => {
    expect(request('CAS', 'k', 'old', 'new')).toEqual({
      kind: 'write',
      command: { op: 'cas', key: b('k'), expected: b('old'), value: b('new') },
    });
  });

  it('keeps keys and values binary', () => {
    const key = Buffer.from([0, 0xff, 0x0d, 0x0a]);
    expect(request('SET', key, key)).toEqual({ kind: 'write', command: { op: 'set', key, value: key } });
  });

  it('parses SET options and refuses bad combinations with Redis wording', () => {
    expect(request('SET', 'k', 'v', 'EX', '10', 'NX', 'GET')).toEqual({ kind: 'write', command: { op: 'set', key: b('k'), value: b('v'), cond: 'nx', get: true, expire: { in: 10_000 } } });
    expect(request('set', 'k', 'v', 'pxat', '5', 'keepttl'.slice(0, 0) || 'XX')).toEqual({ kind: 'write', command: { op: 'set', key: b('k'), value: b('v'), cond: 'xx', expire: { at: 5 } } });
    expect(error('SET', 'k', 'v', 'EX', '0')).toBe("ERR invalid expire time in 'set' command");
    expect(error('SET', 'k', 'v', 'NX', 'XX')).toBe('ERR syntax error');
    expect(error('SET', 'k', 'v', 'KEEPTTL', 'PX', '5')).toBe('ERR syntax error');
    expect(error('SET', 'k', 'v', 'EX')).toBe('ERR syntax error');
  });
});

describe('parseCommand: limits', () => {
  const longKey = 'k'.repeat(2000);
  const longValue = 'v'.repeat(limits.valueBytesMax + 1);
  const keyError = 'ERR key is 2000 bytes, over keyBytesMax (1024)';
  const valueError = `ERR value is ${limits.valueBytesMax + 1} bytes, over valueBytesMax (${limits.valueBytesMax})`;

  it('accepts keys and values at the limit', () => {
    expect(parse('SET', 'k'.repeat(limits.keyBytesMax), 'v'.repeat(limits.valueBytesMax)).ok).toBe(true);
  });

  it.each([
    [['SET', longKey, 'v'], keyError],
    [['GET', longKey], keyError],
    [['DEL', 'a', longKey], keyError],
    [['EXISTS', longKey], keyError],
    [['CAS', longKey, 'a', 'b'], keyError],
    [['SET', 'k', longValue], valueError],
    [['CAS', 'k', longValue, 'b'], valueError],
    [['CAS', 'k', 'a', longValue], valueError],
    [['KEYS', longKey], 'ERR pattern is 2000 bytes, over keyBytesMax (1024)'],
    [['LIST', longKey], 'ERR prefix is 2000 bytes, over keyBytesMax (1024)'],
  ])('rejects %#: an oversized key or value', (args, message) => {
    expect(error(...args)).toBe(message);
  });
});

describe('parseCommand: connection and tool commands', () => {
  it('leaves connection-level commands to the TCP edge, arguments untouched', () => {
    expect(request('PING')).toEqual({ kind: 'edge', name: 'ping', args: [] });
    expect(request('ping', 'hi')).toEqual({ kind: 'edge', name: 'ping', args: [b('hi')] });
    expect(request('ECHO', 'x')).toEqual({ kind: 'edge', name: 'echo', args: [b('x')] });
    expect(request('QUIT')).toEqual({ kind: 'edge', name: 'quit', args: [] });
    expect(request('HELLO', '3')).toEqual({ kind: 'edge', name: 'hello', args: [b('3')] });
    expect(request('COMMAND', 'DOCS')).toEqual({ kind: 'edge', name: 'command', args: [b('DOCS')] });
    expect(request('CONFIG', 'GET', 'save')).toEqual({ kind: 'edge', name: 'config', args: [b('GET'), b('save')] });
    expect(request('CLUSTER', 'SLOTS')).toEqual({ kind: 'edge', name: 'cluster', args: [b('SLOTS')] });
    expect(request('SELECT', '0')).toEqual({ kind: 'edge', name: 'select', args: [b('0')] });
  });

  it('sends INFO (with its sections) and DBSIZE to the state machine side', () => {
    expect(request('INFO')).toEqual({ kind: 'info', sections: [] });
    expect(request('info', 'Server', 'clients')).toEqual({ kind: 'info', sections: ['server', 'clients'] });
    expect(request('DBSIZE')).toEqual({ kind: 'read', query: { op: 'dbsize' } });
  });

  it('rejects DEBUG subcommands other than FLIGHTDUMP', () => {
    expect(error('DEBUG', 'SEGFAULT')).toBe("ERR unknown subcommand 'SEGFAULT'. Try DEBUG HELP.");
  });
});

describe('parseCommand: arity', () => {
  // [name, argument counts (name included) that are wrong]
  const arities: [string, number[]][] = [
    ['set', [1, 2]],
    ['put', [1, 2]],
    ['get', [1, 3]],
    ['del', [1]],
    ['delete', [1]],
    ['exists', [1]],
    ['cas', [1, 2, 3, 5]],
    ['keys', [1, 3]],
    ['list', [3]],
    ['ping', [3]],
    ['echo', [1, 3]],
    ['config', [1]],
    ['select', [1, 3]],
    ['client', [1]],
    ['cluster', [1]],
    ['dbsize', [2]],
  ];
  it.each(arities)('rejects %s with a wrong number of arguments', (name, counts) => {
    for (const count of counts) {
      const args = [name.toUpperCase(), ...Array.from({ length: count - 1 }, (_, i) => `a${i}`)];
      expect(error(...args)).toBe(`ERR wrong number of arguments for '${name}' command`);
    }
  });

  it('names the command in lower case, as Redis does', () => {
    expect(wrongArity('get')).toBe("ERR wrong number of arguments for 'get' command");
    expect(error('GeT')).toBe("ERR wrong number of arguments for 'get' command");
  });
});

describe('parseCommand: unknown commands', () => {
  it('uses the Redis wording, keeping the name as typed', () => {
    expect(error('FOO', 'a', 'b')).toBe("ERR unknown command 'FOO', with args beginning with: 'a' 'b' ");
    expect(error('foo')).toBe("ERR unknown command 'foo', with args beginning with: ");
  });

  it('escapes CR, LF and binary bytes, and truncates long arguments', () => {
    const message = error('FO\r\nO', 'a\r\n+OK', Buffer.from([0, 0xff]), 'x'.repeat(1000));
    expect(message).not.toMatch(/[\r\n]/);
    expect(message).toContain("'FO\\x0d\\x0aO'");
    expect(message).toContain("'a\\x0d\\x0a+OK' '\\x00\\xff'");
    expect(message.length).toBeLessThan(300);
    expect(message).toContain('...');
  });

  it('rejects an empty request', () => {
    expect(parseCommand([], limits)).toEqual({ ok: false, error: 'ERR empty command' });
  });
});
