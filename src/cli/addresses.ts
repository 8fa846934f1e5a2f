/** Which nodes the client commands talk to: --cluster, else the config files, else the defaults. */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { loadConfigFile } from '../config/index.js';
import { parseAddress } from '../client/encode.js';
import { UsageError } from './io.js';

export const DEFAULT_CLUSTER: readonly string[] = ['127.0.0.1:7001', '127.0.0.1:7002', '127.0.0.1:7003'];

/** Parses "h:p,h:p"; throws UsageError naming the bad entry. */
export function parseClusterList(text: string): string[] {
  const addresses = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (addresses.length === 0) throw new UsageError('--cluster needs at least one host:port');
  for (const address of addresses) {
    if (parseAddress(address) === null) throw new UsageError(`--cluster: bad address ${JSON.stringify(address)} (want host:port)`);
  }
  return addresses;
}

/** `nodeN.json` files in a directory, in N order. */
export function nodeConfigFiles(configDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(configDir);
  } catch {
    return [];
  }
  return names
    .map((name) => ({ name, n: /^node(\d+)\.json$/.exec(name)?.[1] }))
    .filter((f): f is { name: string; n: string } => f.n !== undefined)
    .sort((a, b) => Number(a.n) - Number(b.n))
    .map((f) => path.join(configDir, f.name));
}

/** Members' client addresses from the first config file that loads; null if none does. */
export function clusterFromConfigDir(configDir: string): string[] | null {
  for (const file of nodeConfigFiles(configDir)) {
    try {
      return loadConfigFile(file).members.map((m) => m.client);
    } catch {
      // A broken file here is the server's problem to report; try the next one.
    }
  }
  return null;
}

export function resolveCluster(option: string | undefined, configDir = 'config'): string[] {
  if (option !== undefined) return parseClusterList(option);
  return clusterFromConfigDir(configDir) ?? [...DEFAULT_CLUSTER];
}
