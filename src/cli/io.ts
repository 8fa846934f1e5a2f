/**
 * Everything the CLI touches outside itself, injectable so commands run
 * in-process under test: output streams, input, exit, signals and the
 * history file.
 */
import os from 'node:os';
import path from 'node:path';

export interface OutStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export type SignalName = 'SIGINT' | 'SIGTERM';

export interface CliIo {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  /** Ends the process (tests record the code instead). */
  exit(code: number): void;
  /** Subscribes to SIGINT/SIGTERM; returns an unsubscribe function. */
  onSignal(handler: (signal: SignalName) => void): () => void;
  /** Where the REPL keeps its history; null for none. */
  readonly historyFile: string | null;
  /** Environment variables (RAFTKV_USER, RAFTKV_PASSWORD); absent: none. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export function processIo(): CliIo {
  // `raftkv status | head`: a reader that goes away ends the command quietly, as with any Unix tool.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    exit: (code) => process.exit(code),
    onSignal: (handler) => {
      const onInt = (): void => handler('SIGINT');
      const onTerm = (): void => handler('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      return () => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      };
    },
    historyFile: path.join(os.homedir(), '.raftkv_history'),
  };
}

/** Resolves with the first SIGINT or SIGTERM. */
export function nextSignal(io: CliIo): Promise<SignalName> {
  return new Promise((resolve) => {
    const off = io.onSignal((signal) => {
      off();
      resolve(signal);
    });
  });
}

/** Thrown by a command to end with an exit code after printing its own message. */
export class CliExit extends Error {
  override readonly name = 'CliExit';

  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

/** A mistake the user made (bad arguments, unknown command): printed without a stack. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function println(stream: OutStream, text = ''): void {
  stream.write(`${text}\n`);
}
