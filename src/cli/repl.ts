/**
 * The interactive shell: `raftkv> ` prompt, commands from commands.ts, history
 * in memory and in the history file when it is writable. A failing command
 * prints one line and the shell carries on.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import readline from 'node:readline';
import { ClientError } from '../client/errors.js';
import { runUserCommand, type CommandContext } from './commands.js';
import { colour } from './format.js';
import { UsageError, println, type CliIo } from './io.js';
import { tokenize } from './tokenize.js';

const HISTORY_MAX = 1000;

export async function runRepl(ctx: CommandContext, io: CliIo): Promise<void> {
  const interactive = io.stdin.isTTY === true;
  const terminal = interactive && io.stdout.isTTY === true;
  // As redis-cli: only a person at a terminal gets a banner, prompts and a history file.
  const historyFile = interactive ? io.historyFile : null;
  const rl = readline.createInterface({
    input: io.stdin,
    output: io.stdout as NodeJS.WritableStream,
    terminal,
    prompt: 'raftkv> ',
    history: loadHistory(historyFile),
    historySize: HISTORY_MAX,
  });
  const prompt = (): void => (interactive ? rl.prompt() : undefined);
  if (interactive) println(io.stdout, `connected to ${ctx.cluster.join(', ')}; type help for commands, quit to leave`);
  prompt();
  for await (const line of rl) {
    const words = parseLine(line, io);
    if (words !== null && words.length > 0) {
      saveHistory(historyFile, line);
      const name = words[0]?.toLowerCase();
      if (name === 'quit' || name === 'exit') break;
      await runAndPrint(ctx, words, io);
    }
    prompt();
  }
  rl.close();
}

function parseLine(line: string, io: CliIo): string[] | null {
  try {
    return tokenize(line);
  } catch (error) {
    printError(io, error);
    return null;
  }
}

async function runAndPrint(ctx: CommandContext, words: string[], io: CliIo): Promise<void> {
  try {
    for (const out of await runUserCommand(ctx, words)) println(io.stdout, out);
  } catch (error) {
    printError(io, error);
  }
}

/** One line per user-facing error; an unexpected error is a bug and keeps its stack. */
export function printError(io: CliIo, error: unknown): void {
  const tty = io.stderr.isTTY === true;
  if (error instanceof UsageError) println(io.stderr, colour(`error: ${error.message}`, 31, tty));
  else if (error instanceof ClientError || isOperatingError(error)) println(io.stderr, colour(`error (${error.code}): ${error.message}`, 31, tty));
  else println(io.stderr, error instanceof Error ? (error.stack ?? error.message) : String(error));
}

/**
 * Errors a user can cause and fix carry a stable upper-case code (STORAGE_LOCKED,
 * LISTEN_FAILED, ...): their message is enough, a stack trace only for bugs.
 */
function isOperatingError(error: unknown): error is Error & { code: string } {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[A-Z][A-Z_]+$/.test(code);
}

/** Newest first, as readline wants it; an unreadable file means no history. */
function loadHistory(file: string | null): string[] {
  if (file === null) return [];
  try {
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
    const kept = lines.slice(-HISTORY_MAX);
    // The file only grows by appends; cut it back now and then so it stays bounded.
    if (lines.length > 2 * HISTORY_MAX) rewriteHistory(file, kept);
    return kept.reverse();
  } catch {
    return [];
  }
}

function rewriteHistory(file: string, lines: readonly string[]): void {
  try {
    writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  } catch {
    // Read-only: keep appending; the file is cut back once it is writable again.
  }
}

function saveHistory(file: string | null, line: string): void {
  if (file === null) return;
  try {
    appendFileSync(file, `${line.replace(/\n/g, ' ')}\n`, { mode: 0o600 });
  } catch {
    // Not writable (read-only home, sandbox): history stays in memory only.
  }
}
