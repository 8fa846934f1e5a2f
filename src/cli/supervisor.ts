/**
 * Runs a set of child processes for `raftkv cluster`: every output line gets
 * the child's tag, an unexpected exit is reported and the others keep running,
 * and stop() sends SIGTERM, waits, then SIGKILLs whatever is left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import type { Readable } from 'node:stream';

export interface ChildSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
}

export interface SupervisorOptions {
  /** Writes one finished line (tag included). */
  readonly writeLine: (line: string) => void;
  /** Turns a child's name into its line prefix (colour is the caller's business). */
  readonly tag?: (name: string, index: number) => string;
  readonly onExit?: (name: string, code: number | null, signal: NodeJS.Signals | null, expected: boolean) => void;
}

interface Child {
  readonly spec: ChildSpec;
  readonly process: ChildProcess;
  readonly exited: Promise<void>;
  running: boolean;
}

export class Supervisor {
  private readonly children: Child[] = [];
  private stopping = false;

  constructor(private readonly options: SupervisorOptions) {}

  start(specs: readonly ChildSpec[]): void {
    specs.forEach((spec, index) => this.children.push(this.spawnChild(spec, index)));
  }

  get runningCount(): number {
    return this.children.filter((c) => c.running).length;
  }

  /** Resolves once every child has exited, for whatever reason. */
  async allExited(): Promise<void> {
    await Promise.all(this.children.map((c) => c.exited));
  }

  async stop(graceMs = 5_000): Promise<void> {
    this.stopping = true;
    for (const child of this.children) if (child.running) child.process.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const child of this.children) if (child.running) child.process.kill('SIGKILL');
    }, graceMs);
    await this.allExited();
    clearTimeout(timer);
  }

  private spawnChild(spec: ChildSpec, index: number): Child {
    const proc = spawn(spec.command, [...spec.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const prefix = this.options.tag?.(spec.name, index) ?? `[${spec.name}]`;
    const outputs = [proc.stdout, proc.stderr].map((s) => this.pipeLines(s, prefix));
    const child: Child = {
      spec,
      process: proc,
      running: true,
      // 'close' (not 'exit') so the last output lines are written first.
      exited: new Promise<void>((resolve) => {
        proc.once('close', (code, signal) => {
          child.running = false;
          void Promise.all(outputs).then(() => {
            this.options.onExit?.(spec.name, code, signal, this.stopping);
            resolve();
          });
        });
      }),
    };
    proc.once('error', (error) => this.options.writeLine(`${prefix} failed to start: ${error.message}`));
    return child;
  }

  private pipeLines(stream: Readable | null, prefix: string): Promise<void> {
    if (stream === null) return Promise.resolve();
    const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
    rl.on('line', (line) => this.options.writeLine(`${prefix} ${line}`));
    return new Promise((resolve) => rl.once('close', () => resolve()));
  }
}
