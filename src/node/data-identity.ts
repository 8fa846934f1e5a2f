/**
 * Which cluster and node a data directory belongs to. Recorded in a small
 * file next to the LevelDB files the first time a node starts on the
 * directory, and checked at every start after: a node pointed at another
 * cluster's data (which it would otherwise replicate into its new cluster) or
 * at another member's data (a second copy of that member's votes) refuses to
 * start. A directory from before this file existed is claimed by the first
 * node that starts on it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from '../util/durable-file.js';
import { NodeStartError } from './errors.js';

export const IDENTITY_FILE = 'raftkv-identity.json';

export interface DataIdentity {
  readonly clusterId: string;
  readonly nodeId: string;
}

/** Call with the data directory locked (storage open). Throws DATA_DIR_FOREIGN or DATA_DIR_CORRUPT. */
export function claimDataDir(dataDir: string, identity: DataIdentity): void {
  const file = join(dataDir, IDENTITY_FILE);
  const recorded = readIdentity(file);
  if (recorded === null) {
    writeFileDurably(file, `${JSON.stringify({ clusterId: identity.clusterId, nodeId: identity.nodeId })}\n`);
    return;
  }
  if (recorded.clusterId !== identity.clusterId || recorded.nodeId !== identity.nodeId) {
    throw new NodeStartError(
      'DATA_DIR_FOREIGN',
      `${file} says this data belongs to node "${recorded.nodeId}" of cluster "${recorded.clusterId}", but this is node "${identity.nodeId}" of cluster "${identity.clusterId}"; ` +
        'refusing to start on it (point dataDir at this node\'s own directory, or at an empty one to join afresh)',
    );
  }
}

function readIdentity(file: string): DataIdentity | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new NodeStartError('DATA_DIR_CORRUPT', `cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new NodeStartError('DATA_DIR_CORRUPT', `${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const { clusterId, nodeId } = (value ?? {}) as Record<string, unknown>;
  if (typeof clusterId !== 'string' || typeof nodeId !== 'string') {
    throw new NodeStartError('DATA_DIR_CORRUPT', `${file} does not name a clusterId and a nodeId`);
  }
  return { clusterId, nodeId };
}

