/** Text helpers for terminal output: colour (only on a TTY) and aligned tables. */

const COLOURS = [36, 33, 35, 32, 34, 31] as const; // cyan, yellow, magenta, green, blue, red

export function colour(text: string, code: number, enabled: boolean): string {
  return enabled ? `\u001b[${code}m${text}\u001b[0m` : text;
}

/** A colour per index, cycling, so each node's tag keeps one colour. */
export function colourFor(index: number): number {
  return COLOURS[index % COLOURS.length] ?? 36;
}

export function bold(text: string, enabled: boolean): string {
  return colour(text, 1, enabled);
}

/** Left-aligned columns, two spaces apart, with a header row. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Microseconds as a short human figure: 850us, 1.25ms, 2.1s. */
export function formatMicros(us: number): string {
  if (us < 1000) return `${Math.round(us)}us`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(2)}ms`;
  return `${(us / 1_000_000).toFixed(2)}s`;
}
