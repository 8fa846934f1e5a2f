import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ConfigError,
  DEFAULT_LIMITS,
  loadConfigFile,
  loadConfigFileWithWarnings,
  parseConfigText,
  TIMING_PRESETS,
} from '../../src/config/index.js';
import { FILE, rawConfig } from './fixtures.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'raftkv-config-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function thrown(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('reading the file', () => {
  test('a missing file names the path', () => {
    const path = join(dir, 'nope.json');
    const error = thrown(() => loadConfigFile(path));
    expect(error.code).toBe('CONFIG_NOT_FOUND');
    expect(error.file).toBe(path);
    expect(error.message).toBe(`${path}: no such config file (looked for ${path})`);
  });

  test('a directory is unreadable, not missing', () => {
    const path = join(dir, 'a-directory');
    mkdirSync(path);
    const error = thrown(() => loadConfigFile(path));
    expect(error.code).toBe('CONFIG_UNREADABLE');
    expect(error.message).toMatch(new RegExp(`^${path}: cannot read: .*EISDIR`));
  });

  test('a JSON syntax error names the file, line and column', () => {
    const path = writeConfig('trailing-comma.json', '{\n  "nodeId": "n1",\n}\n');
    const error = thrown(() => loadConfigFile(path));
    expect(error.code).toBe('CONFIG_SYNTAX');
    expect(error.message).toBe(`${path}: invalid JSON at line 3, column 1: Expected double-quoted property name`);
  });

  test('an unexpected token (which V8 reports without a position) still gets its line and column', () => {
    const path = writeConfig('missing-value.json', '{\n  "nodeId": "n1",\n  "dataDir": ,\n}');
    expect(thrown(() => loadConfigFile(path)).message).toBe(
      `${path}: invalid JSON at line 3, column 14: Unexpected token ','`,
    );
  });

  test.each([
    ['an empty file', '', 'line 1, column 1: Unexpected end of JSON input'],
    ['a missing comma', '{\n  "a": 1\n  "b": 2\n}', "line 3, column 3: Expected ',' or '}' after property value"],
    ['text after the object', '{}\nx', 'line 2, column 1: Unexpected non-whitespace character after JSON'],
    ['a tab inside a string', '{"a": "\t"}', 'line 1, column 8: Bad control character in string literal'],
  ])('syntax error position: %s', (_name, text, expected) => {
    expect(thrown(() => parseConfigText(text, FILE)).message).toBe(`${FILE}: invalid JSON at ${expected}`);
  });

  test('a byte-order mark is tolerated', () => {
    const path = writeConfig('bom.json', `\uFEFF${JSON.stringify(rawConfig())}`);
    expect(loadConfigFile(path).nodeId).toBe('n1');
  });

  test('warnings come back with the file name', () => {
    const raw = rawConfig();
    raw['members'].pop();
    const path = writeConfig('two.json', JSON.stringify(raw));
    const { warnings } = loadConfigFileWithWarnings(path);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^${path}: members: 2 members tolerate 0 failure`));
  });
});

describe('defaults', () => {
  const minimal = {
    nodeId: 'a',
    dataDir: '/var/lib/raftkv',
    members: [{ id: 'a', peer: 'localhost:7101', client: 'localhost:7001' }],
  };

  test('a minimal file gets every default', () => {
    const config = parseConfigText(JSON.stringify(minimal), FILE).config;
    expect(config.timing).toEqual(TIMING_PRESETS.fast);
    expect(config.limits).toEqual(DEFAULT_LIMITS);
    expect(config.logLevel).toBe('info');
    expect(config.clusterId).toBe('raftkv');
  });

  test('limits given in part keep the defaults for the rest', () => {
    const config = parseConfigText(JSON.stringify({ ...minimal, limits: { valueBytesMax: 2048 } }), FILE).config;
    expect(config.limits).toEqual({ ...DEFAULT_LIMITS, valueBytesMax: 2048 });
  });

  test('termJumpMax defaults to 2^20 and may be set', () => {
    expect(parseConfigText(JSON.stringify(minimal), FILE).config.limits.termJumpMax).toBe(2 ** 20);
    const config = parseConfigText(JSON.stringify({ ...minimal, limits: { termJumpMax: 1000 } }), FILE).config;
    expect(config.limits.termJumpMax).toBe(1000);
  });

  test('a timing object overrides fields of its preset', () => {
    const timing = { preset: 'demo', heartbeatMs: 500 };
    const config = parseConfigText(JSON.stringify({ ...minimal, timing }), FILE).config;
    expect(config.timing).toEqual({ ...TIMING_PRESETS.demo, heartbeatMs: 500 });
  });

  test('a timing object without a preset starts from fast', () => {
    const config = parseConfigText(JSON.stringify({ ...minimal, timing: { heartbeatMs: 40 } }), FILE).config;
    expect(config.timing).toEqual({ ...TIMING_PRESETS.fast, heartbeatMs: 40 });
  });

  test('the result is frozen, so no part of the node can change it behind the others', () => {
    const config = parseConfigText(JSON.stringify(minimal), FILE).config;
    expect(Object.isFrozen(config.limits)).toBe(true);
    expect(Object.isFrozen(config.members[0])).toBe(true);
    // The result holds copies: freezing it must not freeze the shared presets it started from.
    expect(Object.isFrozen(TIMING_PRESETS.fast)).toBe(false);
  });
});

describe('dataDir', () => {
  test('a relative dataDir resolves against the config file directory', () => {
    const config = parseConfigText(JSON.stringify(rawConfig()), '/etc/raftkv/conf/n1.json').config;
    expect(config.dataDir).toBe('/etc/raftkv/data/n1');
  });

  test('an absolute dataDir is kept', () => {
    const raw = { ...rawConfig(), dataDir: '/srv/raftkv/n1' };
    expect(parseConfigText(JSON.stringify(raw), '/etc/raftkv/n1.json').config.dataDir).toBe('/srv/raftkv/n1');
  });

  test('a relative file path resolves against the working directory first', () => {
    const config = parseConfigText(JSON.stringify(rawConfig()), 'config/n1.json').config;
    expect(config.dataDir).toBe(resolve('data/n1'));
  });
});

describe('overrides', () => {
  const text = JSON.stringify(rawConfig());

  test('every override wins over the file', () => {
    const { config } = parseConfigText(text, '/etc/raftkv/n1.json', {
      nodeId: 'n2',
      clusterId: 'other',
      dataDir: 'scratch/n2',
      timing: 'debug',
      logLevel: 'trace',
    });
    expect(config.nodeId).toBe('n2');
    expect(config.clusterId).toBe('other');
    // A path from the command line is relative to the working directory, not to the file.
    expect(config.dataDir).toBe(resolve('scratch/n2'));
    expect(config.timing).toEqual(TIMING_PRESETS.debug);
    expect(config.logLevel).toBe('trace');
  });

  test('a timing override replaces a timing object, fields and all', () => {
    const raw = { ...rawConfig(), timing: { preset: 'fast', heartbeatMs: 40 } };
    const config = parseConfigText(JSON.stringify(raw), FILE, { timing: 'demo' }).config;
    expect(config.timing).toEqual(TIMING_PRESETS.demo);
  });

  test('an override can supply a field the file leaves out', () => {
    const raw = rawConfig();
    delete raw['nodeId'];
    expect(parseConfigText(JSON.stringify(raw), FILE, { nodeId: 'n3' }).config.nodeId).toBe('n3');
  });

  test('an undefined override leaves the file value', () => {
    expect(parseConfigText(text, FILE, { nodeId: undefined }).config.nodeId).toBe('n1');
  });

  test('a bad override is reported as an override', () => {
    const error = thrown(() => parseConfigText(text, FILE, { nodeId: 'n9', timing: 'slow' as never }));
    expect(error.message.split('\n')).toEqual([
      `${FILE}: nodeId (override): must be the id of a member (n1, n2, n3), got "n9"`,
      `${FILE}: timing (override): must be one of "fast", "debug", "demo", got "slow"`,
    ]);
  });
});
