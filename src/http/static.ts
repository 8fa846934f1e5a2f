/**
 * The dashboard's files (src/dashboard: plain HTML, CSS and JavaScript, no
 * build step), served from the package directory. Only the files listed
 * here are served; a request names one of them or gets 404, so no path from
 * a URL ever reaches the file system.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** src/dashboard, found from this file in src/http (tests) or dist/http (built). */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../src/dashboard/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** URL path -> file in DASHBOARD_DIR. */
const FILES: ReadonlyMap<string, string> = new Map([
  ['/', 'index.html'],
  ['/index.html', 'index.html'],
  ['/dashboard/style.css', 'style.css'],
  ['/dashboard/app.js', 'app.js'],
  ['/dashboard/charts.js', 'charts.js'],
  ['/dashboard/members.js', 'members.js'],
  ['/dashboard/trace-parse.js', 'trace-parse.js'],
  ['/dashboard/timeline.js', 'timeline.js'],
]);

export interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
}

/** The file a URL path names, or null when it names none. */
export async function dashboardFile(urlPath: string): Promise<StaticFile | null> {
  const name = FILES.get(urlPath);
  if (name === undefined) return null;
  const body = await readFile(path.join(DASHBOARD_DIR, name));
  return { body, contentType: TYPES[path.extname(name)] ?? 'application/octet-stream' };
}
