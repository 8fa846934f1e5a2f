/** ACL users alone: SETUSER rules (all or nothing), key patterns on every key a command touches, DELUSER, and the NOPERM replies. */
import { createHash } from 'node:crypto';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type ClientAuthConfig } from '../../src/config/types.js';
import { describeUser, NOPERM_KEY } from '../../src/node/client-acl.js';
import { ClientAuth, gateRequest, type ClientUser } from '../../src/node/client-auth.js';
import { commandKeys } from '../../src/protocol/command-keys.js';
import { parseCommand } from '../../src/protocol/commands.js';

const logger = pino({ level: 'silent' });
const hash = (text: string) => createHash('sha256').update(text).digest('hex');
const words = (line: string) => line.split(' ').map((w) => Buffer.from(w));
const config: ClientAuthConfig = {
  users: [
    { name: 'default', passwordSha256: hash('pw'), commands: 'all' },
    { name: 'app', passwordSha256: hash('app-pw'), commands: 'all', keys: ['app:*', 'shared'] },
  ],
  authTimeoutMs: 10_000,
  failuresPerConnectionMax: 3,
  failuresPerAddressMax: 100,
  addressLockoutMs: 60_000,
};
const gate = (user: ClientUser | null, line: string) => {
  const args = words(line);
  return gateRequest(user, line.split(' ')[0]!.toLowerCase(), args, parseCommand(args, DEFAULT_LIMITS));
};
const login = (auth: ClientAuth, name: string, password: string): ClientUser => {
  const outcome = auth.authenticate(name, Buffer.from(password), '10.0.0.1', 1);
  if (!outcome.ok) throw new Error(outcome.error);
  return outcome.user;
};

describe('command keys', () => {
  it('follow the command table key positions, and SEQ the wrapped command', () => {
    const keys = (line: string) => commandKeys(words(line)).map(String);
    expect(keys('GET a')).toEqual(['a']);
    expect(keys('MSET a 1 b 2')).toEqual(['a', 'b']);
    expect(keys('DEL a b c')).toEqual(['a', 'b', 'c']);
    expect(keys('RENAME a b')).toEqual(['a', 'b']);
    expect(keys('SET a v GET')).toEqual(['a']);
    expect(keys('WATCH a b')).toEqual(['a', 'b']);
    expect(keys('SEQ 1 2 SET a v')).toEqual(['a']);
    expect(keys('SEQ 1 2 1 MSET a 1 b 2')).toEqual(['a', 'b']);
    expect(keys('KEYS *')).toEqual([]);
    expect(keys('NOSUCH a')).toEqual([]);
  });
});

describe('key patterns', () => {
  it('refuse a command when any key it touches is outside the patterns, with Redis 7.0 wording', () => {
    const auth = ClientAuth.load(config, logger);
    const app = login(auth, 'app', 'app-pw');
    expect(gate(app, 'GET app:1')).toBeNull();
    expect(gate(app, 'SET shared v')).toBeNull();
    expect(gate(app, 'GET other')).toBe(NOPERM_KEY);
    expect(gate(app, 'MSET app:1 1 other 2')).toBe(NOPERM_KEY);
    expect(gate(app, 'RENAME app:1 other')).toBe(NOPERM_KEY);
    expect(gate(app, 'WATCH other')).toBe(NOPERM_KEY);
    expect(gate(app, 'SEQ 1 1 SET other v')).toBe(NOPERM_KEY);
    expect(gate(app, 'KEYS *')).toBeNull(); // as in Redis: KEYS names no key
    expect(gate(app, 'FLUSHALL')).toMatch(/^NOPERM .*'flushall'/); // raftkv's departure: see refusedKeys
    expect(gate(app, 'GET')).toBeNull(); // the arity error comes first
    expect(gate(login(auth, 'default', 'pw'), 'GET other')).toBeNull();
  });
});

describe('ACL SETUSER, DELUSER', () => {
  it('creates users off with no password, commands or keys, and applies rules in order', () => {
    const auth = ClientAuth.load(config, logger);
    expect(auth.setUser('bob', [])).toBeNull();
    expect(describeUser(auth.getUser('bob')!)).toBe('user bob off resetchannels -@all');
    expect(auth.authenticate('bob', Buffer.from(''), '10.0.0.1', 1).ok).toBe(false);
    expect(auth.setUser('bob', words('on >s3cret ~bob:* +@read'))).toBeNull();
    expect(describeUser(auth.getUser('bob')!)).toBe(`user bob on #${hash('s3cret')} ~bob:* resetchannels -@all +@read`);
    const bob = login(auth, 'bob', 's3cret');
    expect(gate(bob, 'GET bob:1')).toBeNull();
    expect(gate(bob, 'SET bob:1 v')).toMatch(/^NOPERM .*'set'/);
    expect(gate(bob, 'GET x')).toBe(NOPERM_KEY);
    expect(auth.setUser('bob', words('allkeys allcommands'))).toBeNull();
    expect(gate(auth.current(bob)!, 'SET x v')).toBeNull();
    expect(auth.setUser('bob', words('reset'))).toBeNull();
    expect(describeUser(auth.getUser('bob')!)).toBe('user bob off resetchannels -@all');
  });

  it('a user with no commands may only authenticate, quit and reset', () => {
    const auth = ClientAuth.load(config, logger);
    auth.setUser('nobody', words('on nopass allkeys'));
    const nobody = login(auth, 'nobody', 'anything');
    expect(gate(nobody, 'GET k')).toBe("NOPERM this user has no permissions to run the 'get' command");
    expect(gate(nobody, 'ACL WHOAMI')).toBe("NOPERM this user has no permissions to run the 'acl|whoami' command");
    expect(gate(nobody, 'AUTH x y')).toBeNull();
  });

  it('is all or nothing: a bad rule leaves the user as it was, and names the rule without echoing a password', () => {
    const auth = ClientAuth.load(config, logger);
    expect(auth.setUser('app', words('resetkeys bogus'))).toBe("ERR Error in ACL SETUSER modifier 'bogus': Syntax error");
    expect(auth.getUser('app')!.keys.patterns.map(String)).toEqual(['app:*', 'shared']);
    expect(auth.setUser('app', words('<not-a-password'))).toBe("ERR Error in ACL SETUSER modifier '<...': The password you are trying to remove from the user does not exist");
    expect(auth.setUser('app', words('#abc'))).toMatch(/must be exactly 64 characters/);
    expect(auth.setUser('app', words('+get'))).toMatch(/three command sets/);
    expect(auth.setUser('bad name', [])).toMatch(/^ERR raftkv user names/);
    expect(auth.setUser('app', words('~* ~*'))).toBeNull(); // ~* is allkeys, again
    expect(auth.setUser('app', words('~other'))).toMatch(/Adding a pattern after the \* pattern/);
  });

  it('a SETUSER applies to connections already authenticated; DELUSER removes users but never the default one', () => {
    const auth = ClientAuth.load(config, logger);
    const app = login(auth, 'app', 'app-pw');
    const before = auth.generation;
    auth.setUser('app', words('allkeys'));
    expect(auth.generation).toBeGreaterThan(before);
    expect(gate(auth.current(app)!, 'GET other')).toBeNull();
    expect(auth.deleteUsers(['default'])).toBe("ERR The 'default' user cannot be removed");
    expect(auth.deleteUsers(['app', 'nosuch'])).toBe(1);
    expect(auth.current(app)).toBeNull();
    expect(auth.authenticate('app', Buffer.from('app-pw'), '10.0.0.1', 1).ok).toBe(false);
  });

  it('without clientAuth: the default user is nopass until SETUSER gives it a password, as in Redis', () => {
    const auth = ClientAuth.load(null, logger);
    expect(auth.initialUser()?.name).toBe('default');
    expect(auth.setUser('default', words('>pw'))).toBeNull();
    expect(auth.initialUser()).toBeNull();
    expect(auth.authenticate(null, Buffer.from('pw'), '::1', 1).ok).toBe(true);
    expect(auth.authenticate(null, Buffer.from('nope'), '::1', 1).ok).toBe(false);
  });

  it('accepts several passwords per user, each checked', () => {
    const auth = ClientAuth.load(config, logger);
    auth.setUser('multi', words(`on >one #${hash('two')} allkeys allcommands`));
    expect(login(auth, 'multi', 'one').name).toBe('multi');
    expect(login(auth, 'multi', 'two').name).toBe('multi');
    expect(auth.authenticate('multi', Buffer.from('three'), '10.0.0.1', 1).ok).toBe(false);
  });
});
