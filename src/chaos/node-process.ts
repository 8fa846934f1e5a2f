/**
 * One raftkv node process: `node bin/raftkv.js server --config FILE` (the compiled
 * dist), logs appended to a file. kill -9, SIGSTOP/SIGCONT, clean stop, and a count of
 * exits nobody asked for: a node that dies on its own (an assertion, a crash) is a
 * finding, not noise.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { resolve } from 'node:path';
import type { NodePlan } from './plan.js';

/** Two levels up from src/chaos or dist/chaos. */
const BIN = resolve(import.meta.dirname, '../../bin/raftkv.js');
const STOP_GRACE_MS = 10_000;

export interface UnexpectedExit {
  readonly id: string;
  readonly code: number | null;
  readonly signal: string | null;
}

export class NodeProcess {
  private child: ChildProcess | null = null;
  private expectingExit = false;
  paused = false;

  constructor(
    readonly plan: NodePlan,
    private readonly onUnexpectedExit: (exit: UnexpectedExit) => void,
    private readonly onPid: (pid: number | null) => void,
  ) {}

  get running(): boolean {
    return this.child !== null;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  start(): void {
    if (this.child !== null) throw new Error(`${this.plan.id} is already running`);
    const log = openSync(this.plan.logPath, 'a');
    const child = spawn(process.execPath, [BIN, 'server', '--config', this.plan.configPath], { stdio: ['ignore', log, log] });
    closeSync(log);
    this.child = child;
    this.expectingExit = false;
    this.paused = false;
    if (child.pid !== undefined) this.onPid(child.pid);
    // A failed spawn emits 'error' (and maybe no 'exit'); unhandled, it would crash the harness.
    child.once('error', (error) => {
      if (this.child === child) this.child = null;
      this.onUnexpectedExit({ id: this.plan.id, code: null, signal: `spawn failed: ${error.message}` });
    });
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = null;
      this.paused = false;
      this.onPid(null);
      if (!this.expectingExit) this.onUnexpectedExit({ id: this.plan.id, code, signal });
    });
  }

  /** kill -9: no shutdown code runs; resolves once the process is gone. */
  kill(): Promise<void> {
    return this.signalAndWait('SIGKILL');
  }

  pause(): void {
    if (this.child === null || this.paused) return;
    this.child.kill('SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    if (this.child === null || !this.paused) return;
    this.child.kill('SIGCONT');
    this.paused = false;
  }

  /**
   * SIGTERM (after SIGCONT, a stopped process cannot handle it), SIGKILL if it lingers.
   * `forced`: it did not exit within the grace period (a hang worth reporting).
   */
  async stop(): Promise<{ forced: boolean }> {
    this.resume();
    let forced = false;
    const timer = setTimeout(() => {
      forced = true;
      this.child?.kill('SIGKILL');
    }, STOP_GRACE_MS);
    try {
      await this.signalAndWait('SIGTERM');
    } finally {
      clearTimeout(timer);
    }
    return { forced };
  }

  /** Synchronous last resort for exit handlers. */
  killNow(): void {
    this.expectingExit = true;
    this.child?.kill('SIGKILL');
  }

  private signalAndWait(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === null) return Promise.resolve();
    this.expectingExit = true;
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.kill(signal);
    return exited;
  }
}
