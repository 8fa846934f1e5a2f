/**
 * Splits a REPL line into words, shell-style: whitespace separates, single or
 * double quotes group (so values may hold spaces), backslash escapes inside
 * double quotes and outside quotes.
 */
import { UsageError } from './io.js';

export function tokenize(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i] as string;
    if (quote === null && /\s/.test(ch)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (ch === '\\' && quote !== "'" && i + 1 < line.length) {
      word = (word ?? '') + unescape(line[++i] as string);
    } else if (quote === null && (ch === '"' || ch === "'")) {
      quote = ch;
      word = word ?? '';
    } else if (ch === quote) {
      quote = null;
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (quote !== null) throw new UsageError(`unterminated ${quote} quote`);
  if (word !== null) words.push(word);
  return words;
}

function unescape(ch: string): string {
  switch (ch) {
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    default:
      return ch;
  }
}
