/**
 * Crash-proof cleanup. A run writes, in <tmpdir>/raftkv-chaos/<run id>.json, its own
 * pid and the pid and config path of every node process it starts. If the harness
 * dies without cleaning up (kill -9, a crashed test worker), the next run finds the
 * file, sees its owner gone, and kills the nodes still running that config (the
 * config path in /proc/<pid>/cmdline guards against a reused pid). Leftover iptables
 * chains are found by name instead (iptables.ts).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RegisteredNode {
  readonly pid: number;
  readonly configPath: string;
}

interface RegistryFile {
  readonly ownerPid: number;
  readonly nodes: RegisteredNode[];
}

export function registryDir(): string {
  return join(tmpdir(), 'raftkv-chaos');
}

export class RunRegistry {
  private readonly nodes = new Map<string, RegisteredNode>();
  readonly path: string;

  constructor(runId: string) {
    mkdirSync(registryDir(), { recursive: true });
    this.path = join(registryDir(), `${runId}.json`);
    this.write();
  }

  /** Records the live process of node `id` (replacing its previous one). */
  node(id: string, entry: RegisteredNode | null): void {
    if (entry === null) this.nodes.delete(id);
    else this.nodes.set(id, entry);
    this.write();
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }

  private write(): void {
    const file: RegistryFile = { ownerPid: process.pid, nodes: [...this.nodes.values()] };
    writeFileSync(this.path, JSON.stringify(file));
  }
}

/** Kills the nodes of runs whose harness is gone and removes their files; returns the pids killed. */
export function reapOrphans(): number[] {
  const killed: number[] = [];
  let names: string[];
  try {
    names = readdirSync(registryDir()).filter((name) => name.endsWith('.json'));
  } catch {
    return killed;
  }
  for (const name of names) {
    const path = join(registryDir(), name);
    const file = readRegistry(path);
    if (file !== null && alive(file.ownerPid)) continue;
    for (const node of file?.nodes ?? []) {
      if (runsConfig(node)) {
        process.kill(node.pid, 'SIGKILL');
        killed.push(node.pid);
      }
    }
    rmSync(path, { force: true });
  }
  return killed;
}

function readRegistry(path: string): RegistryFile | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as RegistryFile;
  } catch {
    return null;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function runsConfig(node: RegisteredNode): boolean {
  try {
    return readFileSync(`/proc/${node.pid}/cmdline`, 'utf8').split('\0').includes(node.configPath);
  } catch {
    return false;
  }
}
