/**
 * `raftkv status`: every node's INFO and a verdict on the cluster. Exits 1
 * when no leader is reachable or a majority of members is down, so scripts
 * and probes can rely on the exit code. With --watch it repeats every
 * interval until Ctrl-C (JSON: one object per line), and exits with the
 * last verdict.
 */
import { collectStatus } from '../client/status.js';
import type { ConnectionSecurity } from '../client/connection.js';
import { clusterView } from '../metrics/cluster.js';
import { CliExit, println, type CliIo } from './io.js';
import { statusJson, statusTable } from './status-view.js';

export interface StatusOptions {
  readonly cluster: readonly string[];
  readonly security?: ConnectionSecurity;
  readonly json?: boolean;
  /** Seconds between reports; absent: report once. */
  readonly watch?: number;
}

/** Clears a terminal and homes the cursor, so each report replaces the last. */
const CLEAR_SCREEN = '\u001b[2J\u001b[H';

export async function statusCommand(options: StatusOptions, io: CliIo): Promise<void> {
  if (options.watch === undefined) {
    const ok = await reportOnce(options, io, false);
    if (!ok) throw new CliExit(1);
    return;
  }
  let stopped = false;
  let wake: (() => void) | null = null;
  const off = io.onSignal(() => {
    stopped = true;
    wake?.();
  });
  let ok = false;
  try {
    while (!stopped) {
      ok = await reportOnce(options, io, true);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.watch! * 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    off();
  }
  if (!ok) throw new CliExit(1);
}

async function reportOnce(options: StatusOptions, io: CliIo, watching: boolean): Promise<boolean> {
  const reports = await collectStatus(options.cluster, undefined, options.security);
  if (options.json === true) {
    println(io.stdout, statusJson(reports, !watching));
  } else {
    const stamp = watching ? `${CLEAR_SCREEN}${new Date().toISOString()}  (every ${options.watch}s, Ctrl-C to stop)\n` : '';
    println(io.stdout, `${stamp}${statusTable(reports)}`);
  }
  return clusterView(reports).ok;
}
