/** A CliIo that records output, exit codes and signal subscriptions, for in-process CLI tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { CliIo, SignalName } from '../../src/cli/io.js';

export interface FakeIo extends CliIo {
  readonly out: () => string;
  readonly err: () => string;
  readonly exits: number[];
  readonly input: PassThrough;
  /** Delivers a signal to every current subscriber. */
  signal(name: SignalName): void;
}

let scratch: string | null = null;
let histories = 0;

/** A fresh history file path, all in one scratch directory; see removeFakeIoFiles. */
function historyPath(): string {
  scratch ??= mkdtempSync(path.join(os.tmpdir(), 'raftkv-cli-test-'));
  histories += 1;
  return path.join(scratch, `history-${histories}`);
}

/** Call from afterAll in every file that uses fakeIo. */
export function removeFakeIoFiles(): void {
  if (scratch !== null) rmSync(scratch, { recursive: true, force: true });
  scratch = null;
}

export function fakeIo(): FakeIo {
  let out = '';
  let err = '';
  const exits: number[] = [];
  const handlers = new Set<(s: SignalName) => void>();
  const input = new PassThrough();
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    stdin: input,
    input,
    exit: (code) => exits.push(code),
    onSignal: (handler) => {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    historyFile: historyPath(),
    out: () => out,
    err: () => err,
    exits,
    signal: (name) => {
      for (const h of [...handlers]) h(name);
    },
  };
}
