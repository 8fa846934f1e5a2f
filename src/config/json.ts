/**
 * JSON.parse with a line and column for syntax errors. V8 names a position
 * for most errors but not all (Node 20 reports an unexpected token without
 * one), so when the message has none we find it: the shortest prefix of the
 * text that already fails for a reason other than being cut short ends at
 * the bad character.
 */

export type JsonParseResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly line: number; readonly column: number; readonly message: string };

export function parseJson(text: string): JsonParseResult {
  const failure = tryParse(text);
  if (failure === undefined) return { ok: true, value: JSON.parse(text) as unknown };
  const offset = errorOffset(text, failure);
  return { ok: false, ...lineColumn(text, offset), message: cleanMessage(failure.message) };
}

/** 1-based line and column of a UTF-16 offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

function tryParse(text: string): Error | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

const AT_POSITION = / at position (\d+)/;
const AT_LINE_COLUMN = /\(line (\d+) column (\d+)\)/;
const END_OF_INPUT = /Unexpected end of JSON input/;

function errorOffset(text: string, error: Error): number {
  const position = AT_POSITION.exec(error.message);
  if (position !== null) return Number(position[1]);
  const lineCol = AT_LINE_COLUMN.exec(error.message);
  if (lineCol !== null) return offsetOf(text, Number(lineCol[1]), Number(lineCol[2]));
  if (END_OF_INPUT.test(error.message)) return text.length;
  return firstHardFailure(text);
}

/**
 * Binary search for the shortest failing prefix. Monotone because the parser
 * reads left to right: once a prefix fails before its end, every longer one
 * fails at the same place.
 */
function firstHardFailure(text: string): number {
  let low = 1;
  let high = text.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (failsBeforeEnd(text.slice(0, middle))) high = middle;
    else low = middle + 1;
  }
  return low - 1;
}

/** True when `prefix` fails for a reason other than ending too soon. */
function failsBeforeEnd(prefix: string): boolean {
  const error = tryParse(prefix);
  if (error === undefined || END_OF_INPUT.test(error.message)) return false;
  const position = AT_POSITION.exec(error.message);
  return position === null || Number(position[1]) < prefix.length;
}

function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) offset = text.indexOf('\n', offset) + 1;
  return offset + column - 1;
}

/** V8's message without the position and the echo of the input (we give line and column instead). */
function cleanMessage(message: string): string {
  return message
    .replace(/ in JSON at position \d+| at position \d+/, '')
    .replace(/ \(line \d+ column \d+\)/, '')
    .replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, '');
}
