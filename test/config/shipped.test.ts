import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadConfigFileWithWarnings, memberById, TIMING_PRESETS } from '../../src/config/index.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));

describe.each([1, 2, 3])('config/node%i.json', (n) => {
  const { config, warnings } = loadConfigFileWithWarnings(join(repo, 'config', `node${n}.json`));

  test('loads without warnings', () => {
    expect(warnings).toEqual([]);
  });

  test('is node n%i of the local cluster', () => {
    expect(config.nodeId).toBe(`n${n}`);
    expect(config.clusterId).toBe('raftkv-local');
    expect(config.logLevel).toBe('info');
    expect(config.timing).toEqual(TIMING_PRESETS.fast);
  });

  test('serves metrics, health and the dashboard on loopback port 720N', () => {
    expect(config.httpAddress).toBe(`127.0.0.1:720${n}`);
  });

  test('keeps its data in <repo>/data/nodeN', () => {
    expect(config.dataDir).toBe(join(repo, 'data', `node${n}`));
  });

  test('lists the same three members as every other file', () => {
    expect(config.members).toEqual([
      { id: 'n1', peer: '127.0.0.1:7101', client: '127.0.0.1:7001' },
      { id: 'n2', peer: '127.0.0.1:7102', client: '127.0.0.1:7002' },
      { id: 'n3', peer: '127.0.0.1:7103', client: '127.0.0.1:7003' },
    ]);
    expect(memberById(config, config.nodeId)?.client).toBe(`127.0.0.1:700${n}`);
  });
});

describe('config/join/node4.json (the README\'s fourth node)', () => {
  const { config, warnings } = loadConfigFileWithWarnings(join(repo, 'config', 'join', 'node4.json'));

  test('joins the local cluster, names only itself, and keeps its data in <repo>/data/node4', () => {
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({ nodeId: 'n4', clusterId: 'raftkv-local', join: true, httpAddress: '127.0.0.1:7204' });
    expect(config.members).toEqual([{ id: 'n4', peer: '127.0.0.1:7104', client: '127.0.0.1:7004' }]);
    expect(config.dataDir).toBe(join(repo, 'data', 'node4'));
  });
});
