import { describe, expect, test } from 'vitest';
import { ConfigError, parseConfigText } from '../../src/config/index.js';
import { CONFIG_FIELDS } from '../../src/config/validate.js';
import { FILE, rawConfig } from './fixtures.js';

type Raw = Record<string, any>;

/** Runs the config through the loader and returns the ConfigError it must throw. */
function errorOf(raw: unknown): ConfigError {
  try {
    parseConfigText(JSON.stringify(raw), FILE);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, but the config was accepted');
}

function edited(edit: (raw: Raw) => void): Raw {
  const raw = rawConfig();
  edit(raw);
  return raw;
}

// One row per rule: the edit that breaks it, and the exact single message it must produce.
const RULES: readonly [string, (raw: Raw) => void, string][] = [
  // Unknown fields, at every level.
  ['unknown top-level field', (r) => (r['heartbeat'] = 1), `heartbeat: unknown field (known fields: ${CONFIG_FIELDS.join(', ')})`],
  ['top-level typo', (r) => (r['logLevl'] = 'debug'), 'logLevl: unknown field (did you mean "logLevel"?)'],
  ['timing typo', (r) => (r['timing'] = { heartbeatMS: 40 }), 'timing.heartbeatMS: unknown field (did you mean "heartbeatMs"?)'],
  ['limits typo', (r) => (r['limits'] = { valueBytesMAx: 10 }), 'limits.valueBytesMAx: unknown field (did you mean "valueBytesMax"?)'],
  ['member unknown field', (r) => (r['members'][0].address = 'x'), 'members[0].address: unknown field (known fields: id, peer, client)'],
  // Top-level fields.
  ['nodeId missing', (r) => delete r['nodeId'], 'nodeId: is required'],
  ['nodeId wrong type', (r) => (r['nodeId'] = 1), "nodeId: must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit, got 1"],
  ['nodeId not a member', (r) => (r['nodeId'] = 'n9'), 'nodeId: must be the id of a member (n1, n2, n3), got "n9"'],
  ['nodeId starting with a dot', (r) => (r['nodeId'] = '.n1'), `nodeId: must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit, got ".n1"`],
  ['clusterId with a space', (r) => (r['clusterId'] = 'raft kv'), `clusterId: must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit, got "raft kv"`],
  ['dataDir missing', (r) => delete r['dataDir'], 'dataDir: is required'],
  ['dataDir empty', (r) => (r['dataDir'] = ''), 'dataDir: must be a non-empty string, got ""'],
  ['dataDir with NUL', (r) => (r['dataDir'] = 'a\0b'), 'dataDir: must not contain a NUL character'],
  ['readMode unknown', (r) => (r['readMode'] = 'fast'), 'readMode: must be one of "readindex", "lease", got "fast"'],
  ['logLevel unknown', (r) => (r['logLevel'] = 'verbose'), 'logLevel: must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent", got "verbose"'],
  // Members.
  ['members missing', (r) => delete r['members'], 'members: is required'],
  ['members empty', (r) => (r['members'] = []), 'members: must be a non-empty array of {id, peer, client}, got an empty array'],
  ['members not an array', (r) => (r['members'] = { n1: {} }), 'members: must be a non-empty array of {id, peer, client}, got an object'],
  ['member not an object', (r) => (r['members'][1] = 'n2'), 'members[1]: must be an object {id, peer, client}, got "n2"'],
  ['member id duplicated', (r) => (r['members'][2].id = 'n1'), 'members[2].id: duplicate member id "n1" (also members[0].id)'],
  ['member peer missing', (r) => delete r['members'][1].peer, 'members[1].peer: is required'],
  ['member peer a number', (r) => (r['members'][1].peer = 7102), 'members[1].peer: must be a string "host:port", got 7102'],
  ['port 0', (r) => (r['members'][1].peer = '127.0.0.1:0'), 'members[1].peer: port must be an integer 1-65535, got 0 (in "127.0.0.1:0")'],
  ['port 65536', (r) => (r['members'][1].client = '127.0.0.1:65536'), 'members[1].client: port must be an integer 1-65535, got 65536 (in "127.0.0.1:65536")'],
  ['no port', (r) => (r['members'][1].peer = 'localhost'), 'members[1].peer: expected host:port (in "localhost")'],
  ['bad host', (r) => (r['members'][1].peer = 'my_host:7102'), 'members[1].peer: bad host "my_host" (in "my_host:7102")'],
  ['IPv6 without brackets', (r) => (r['members'][1].peer = '::1:7102'), 'members[1].peer: IPv6 hosts go in brackets, as in [::1]:port (in "::1:7102")'],
  ['peer address reused as a client address', (r) => (r['members'][1].client = '127.0.0.1:7101'), 'members[1].client: address 127.0.0.1:7101 is already used by members[0].peer'],
  ['address reused with another case', (r) => {
    r['members'][0].peer = 'localhost:7101';
    r['members'][2].peer = 'LocalHost:7101';
  }, 'members[2].peer: address LocalHost:7101 is already used by members[0].peer'],
  // Timing.
  ['timing preset unknown', (r) => (r['timing'] = 'fats'), 'timing: must be one of "fast", "debug", "demo", got "fats"'],
  ['timing wrong type', (r) => (r['timing'] = 5), 'timing: must be a preset name (fast, debug, demo) or an object, got 5'],
  ['timing.preset unknown', (r) => (r['timing'] = { preset: 'slow' }), 'timing.preset: must be one of "fast", "debug", "demo", got "slow"'],
  ['tickMs zero', (r) => (r['timing'] = { tickMs: 0 }), 'timing.tickMs: must be an integer >= 1, got 0'],
  ['tickMs fractional', (r) => (r['timing'] = { tickMs: 1.5 }), 'timing.tickMs: must be an integer >= 1, got 1.5'],
  ['heartbeatMs below tickMs', (r) => (r['timing'] = { heartbeatMs: 5 }), 'timing.heartbeatMs: must be an integer >= tickMs (10), got 5'],
  ['electionTimeoutMinMs below 2 heartbeats', (r) => (r['timing'] = { electionTimeoutMinMs: 80 }), 'timing.electionTimeoutMinMs: must be an integer >= 2 * heartbeatMs (100), got 80'],
  ['electionTimeoutMaxMs not above min', (r) => (r['timing'] = { electionTimeoutMaxMs: 150 }), 'timing.electionTimeoutMaxMs: must be an integer > electionTimeoutMinMs (150), got 150'],
  ['requestTimeoutMs a string', (r) => (r['timing'] = { requestTimeoutMs: '5000' }), 'timing.requestTimeoutMs: must be an integer >= 1, got "5000"'],
  ['requestTimeoutMs beyond a Node.js timer', (r) => (r['timing'] = { requestTimeoutMs: 2 ** 31 }), 'timing.requestTimeoutMs: must be an integer <= 2147483647 (the longest Node.js timer), got 2147483648'],
  ['requestTimeoutMs below tickMs', (r) => (r['timing'] = { preset: 'demo', requestTimeoutMs: 50 }), 'timing.requestTimeoutMs: must be an integer >= tickMs (100), got 50'],
  // Limits.
  ['limits wrong type', (r) => (r['limits'] = 'big'), 'limits: must be an object, got "big"'],
  ['a limit negative', (r) => (r['limits'] = { pendingRequestsMax: -1 }), 'limits.pendingRequestsMax: must be an integer >= 1, got -1'],
  ['a limit null', (r) => (r['limits'] = { argsMax: null }), 'limits.argsMax: must be an integer >= 1, got null'],
  ['argsMax too small for CAS', (r) => (r['limits'] = { argsMax: 3 }), 'limits.argsMax: must be an integer >= 4 (CAS key old new takes 4), got 3'],
  ['lineBytesMax below 64', (r) => (r['limits'] = { lineBytesMax: 63 }), 'limits.lineBytesMax: must be an integer >= 64, got 63'],
  ['keyBytesMax above valueBytesMax', (r) => (r['limits'] = { keyBytesMax: 2048, valueBytesMax: 1024 }), 'limits.keyBytesMax: must be an integer <= valueBytesMax (1024), got 2048'],
  ['frame too small for an append', (r) => (r['limits'] = { frameBytesMax: 4 * 1024 * 1024 }), 'limits.frameBytesMax: must be an integer >= appendBytesMax + 64 KiB (4259840), got 4194304'],
  ['frame too small for the largest entry', (r) => (r['limits'] = { valueBytesMax: 8 * 1024 * 1024, appendBytesMax: 1024 * 1024, frameBytesMax: 8 * 1024 * 1024 }), 'limits.frameBytesMax: must be an integer >= keyBytesMax + valueBytesMax + 64 KiB (8455168), got 8388608'],
  ['termJumpMax above TERM_MAX', (r) => (r['limits'] = { termJumpMax: 2 ** 52 + 1 }), 'limits.termJumpMax: must be an integer <= 4503599627370496 (TERM_MAX, the highest term a node accepts), got 4503599627370497'],
  ['termJumpMax zero', (r) => (r['limits'] = { termJumpMax: 0 }), 'limits.termJumpMax: must be an integer >= 1, got 0'],
  ['termJumpMax fractional', (r) => (r['limits'] = { termJumpMax: 1.5 }), 'limits.termJumpMax: must be an integer >= 1, got 1.5'],
  ['pending write bytes too small for the largest request', (r) => (r['limits'] = { pendingWriteBytesMax: 1024 * 1024 }), 'limits.pendingWriteBytesMax: must be an integer >= the largest request (keyBytesMax + 2 x valueBytesMax, or argsMax x keyBytesMax, plus margins) (2101248), got 1048576'],
  ['client output too small for the largest value', (r) => (r['limits'] = { clientOutputBytesMax: 1024 * 1024 }), 'limits.clientOutputBytesMax: must be an integer >= valueBytesMax + 64 (1048640), got 1048576'],
];

describe('validation rules', () => {
  test.each(RULES)('%s', (_name, edit, message) => {
    const error = errorOf(edited(edit));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe(`${FILE}: ${message}`);
    expect(error.issues).toHaveLength(1);
  });

  test('a file that is not an object is rejected as a whole', () => {
    expect(errorOf([]).message).toBe(`${FILE}: must hold a JSON object, got an empty array`);
  });

  test('every error is reported, one per line, in file order', () => {
    const error = errorOf(
      edited((r) => {
        r['nodeId'] = '';
        r['colour'] = 'blue';
        r['members'][1].client = '127.0.0.1:99999';
        r['timing'] = { heartbeatMs: 5 };
        r['limits'] = { lineBytesMax: 10 };
      }),
    );
    expect(error.message.split('\n')).toEqual([
      `${FILE}: colour: unknown field (known fields: ${CONFIG_FIELDS.join(', ')})`,
      `${FILE}: nodeId: must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit, got ""`,
      `${FILE}: members[1].client: port must be an integer 1-65535, got 99999 (in "127.0.0.1:99999")`,
      `${FILE}: timing.heartbeatMs: must be an integer >= tickMs (10), got 5`,
      `${FILE}: limits.lineBytesMax: must be an integer >= 64, got 10`,
    ]);
    expect(error.issues.map((issue) => issue.path)).toEqual([
      'colour',
      'nodeId',
      'members[1].client',
      'timing.heartbeatMs',
      'limits.lineBytesMax',
    ]);
  });

  test('a bad field does not cascade into the rules that read it', () => {
    // tickMs is broken, so heartbeatMs >= tickMs cannot be judged and must not be reported.
    const error = errorOf(edited((r) => (r['timing'] = { tickMs: 'ten', heartbeatMs: 1 })));
    expect(error.message).toBe(`${FILE}: timing.tickMs: must be an integer >= 1, got "ten"`);
  });
});

describe('warnings', () => {
  test('an even member count is legal but warned about', () => {
    const raw = edited((r) => r['members'].push({ id: 'n4', peer: '127.0.0.1:7104', client: '127.0.0.1:7004' }));
    const { config, warnings } = parseConfigText(JSON.stringify(raw), FILE);
    expect(config.members).toHaveLength(4);
    expect(warnings).toEqual([
      `${FILE}: members: 4 members tolerate 1 failure(s), no more than 3 would; an odd count is recommended`,
    ]);
  });

  test('a request timeout shorter than an election is warned about', () => {
    const raw = edited((r) => (r['timing'] = { requestTimeoutMs: 200 }));
    const { warnings } = parseConfigText(JSON.stringify(raw), FILE);
    expect(warnings).toEqual([
      `${FILE}: timing.requestTimeoutMs: 200 is shorter than electionTimeoutMaxMs (300): requests may time out during every election`,
    ]);
  });

  test('a sound config has no warnings', () => {
    expect(parseConfigText(JSON.stringify(rawConfig()), FILE).warnings).toEqual([]);
  });
});

describe('httpAddress', () => {
  test('absent or null: no HTTP endpoint', () => {
    expect(parseConfigText(JSON.stringify(rawConfig()), FILE).config.httpAddress).toBeUndefined();
    expect(parseConfigText(JSON.stringify({ ...rawConfig(), httpAddress: null }), FILE).config.httpAddress).toBeUndefined();
  });

  test('a host:port is kept', () => {
    expect(parseConfigText(JSON.stringify({ ...rawConfig(), httpAddress: '127.0.0.1:7201' }), FILE).config.httpAddress).toBe('127.0.0.1:7201');
  });

  test('anything else is an error naming the field', () => {
    for (const [value, message] of [
      ['localhost', 'httpAddress: expected host:port, got "localhost"'],
      ['127.0.0.1:0', 'httpAddress: port must be an integer 1-65535'],
      [7201, 'httpAddress: must be a host:port string or null, got 7201'],
    ] as const) {
      expect(() => parseConfigText(JSON.stringify({ ...rawConfig(), httpAddress: value }), FILE)).toThrow(message);
    }
  });
});
