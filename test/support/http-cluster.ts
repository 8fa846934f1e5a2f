/**
 * HTTP endpoints for a ProcessCluster's nodes: gives every node an
 * `httpAddress` on a free port (by rewriting its generated config file), and
 * reads metrics and JSON from them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { ProcessCluster } from './process-cluster.js';
import { freePorts } from './ports.js';

/** Node id -> http://host:port of its HTTP endpoint. */
export async function enableHttp(cluster: ProcessCluster): Promise<Map<string, string>> {
  const ports = await freePorts(cluster.nodes.length);
  const urls = new Map<string, string>();
  cluster.nodes.forEach((node, i) => {
    const config = JSON.parse(readFileSync(node.configPath, 'utf8')) as Record<string, unknown>;
    config['httpAddress'] = `127.0.0.1:${ports[i]}`;
    writeFileSync(node.configPath, JSON.stringify(config, null, 2));
    urls.set(node.id, `http://127.0.0.1:${ports[i]}`);
  });
  return urls;
}

export async function getText(url: string): Promise<{ status: number; body: string; contentType: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  return { status: response.status, body: await response.text(), contentType: response.headers.get('content-type') ?? '' };
}

export async function getJson<T = Record<string, unknown>>(url: string): Promise<{ status: number; body: T }> {
  const { status, body } = await getText(url);
  return { status, body: JSON.parse(body) as T };
}

/**
 * Every sample in a Prometheus text exposition, keyed `name{a="1",b="2"}`
 * with labels sorted (and the `node` default label left out), or just
 * `name` for a series without other labels.
 */
export function parseSamples(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels = [...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)]
      .filter(([, name]) => name !== 'node')
      .map(([, name, value]) => `${name}="${value}"`)
      .sort();
    samples.set(labels.length === 0 ? match[1]! : `${match[1]}{${labels.join(',')}}`, Number(match[3]));
  }
  return samples;
}

export async function scrape(baseUrl: string): Promise<Map<string, number>> {
  const { status, body } = await getText(`${baseUrl}/metrics`);
  if (status !== 200) throw new Error(`GET ${baseUrl}/metrics answered ${status}`);
  return parseSamples(body);
}

/** One sample's value; throws naming it when the scrape lacks it. */
export function sample(samples: Map<string, number>, key: string): number {
  const value = samples.get(key);
  if (value === undefined) throw new Error(`no sample ${key} in the scrape`);
  return value;
}
