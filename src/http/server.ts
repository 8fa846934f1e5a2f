/**
 * A node's HTTP endpoint (node:http): Prometheus metrics, health and
 * readiness probes, typed status, the cluster view, the flight recorder and
 * the dashboard. Read-only: every route is a GET (HEAD works too), nothing
 * a request says changes the node. Off unless `httpAddress` is configured.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { NodeMetrics } from '../metrics/definitions.js';
import type { ClusterView } from '../metrics/cluster.js';
import { renderMetrics } from '../metrics/scrape.js';
import type { NodeStatusJson } from '../metrics/status.js';
import type { ClientSecuritySource } from '../metrics/client-security.js';
import type { PeerTrafficSource } from '../transport/traffic.js';
import { healthBody, healthOf, readinessOf } from './health.js';
import { dashboardFile } from './static.js';

export interface HttpEndpointOptions {
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  readonly metrics: NodeMetrics;
  readonly traffic: PeerTrafficSource;
  /** The client edge's AUTH and limit counters, read at scrape time. */
  readonly clientSecurity?: ClientSecuritySource;
  readonly status: () => NodeStatusJson;
  readonly cluster: () => Promise<ClusterView>;
  readonly flightText: () => string;
  readonly stopping: () => boolean;
  readonly applyLagEntriesMax: number;
  readonly connectionsMax: number;
}

type Answer = { status: number; contentType: string; body: string | Buffer };

const JSON_TYPE = 'application/json; charset=utf-8';
const PROMETHEUS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
/** Slow or idle HTTP clients are cut off after this long. */
const REQUEST_TIMEOUT_MS = 10_000;

export class HttpEndpoint {
  private readonly server: http.Server;

  constructor(private readonly options: HttpEndpointOptions) {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.maxConnections = options.connectionsMax;
    this.server.requestTimeout = REQUEST_TIMEOUT_MS;
    this.server.headersTimeout = REQUEST_TIMEOUT_MS;
    this.server.keepAliveTimeout = 5_000;
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let answer: Answer;
    try {
      answer = await this.route(req.method ?? '', pathOf(req.url));
    } catch (error) {
      this.options.logger.warn({ url: String(req.url).slice(0, 200), err: (error as Error).message }, 'http request failed');
      answer = json(500, { error: 'INTERNAL', message: (error as Error).message });
    }
    res.writeHead(answer.status, {
      'content-type': answer.contentType,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      // The dashboard loads nothing from elsewhere.
      'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'",
    });
    res.end(req.method === 'HEAD' ? undefined : answer.body);
  }

  private async route(method: string, path: string): Promise<Answer> {
    if (method !== 'GET' && method !== 'HEAD') return json(405, { error: 'METHOD_NOT_ALLOWED', message: `${method.slice(0, 16)} not allowed: every route is GET` });
    switch (path) {
      case '/metrics':
        return { status: 200, contentType: PROMETHEUS_TYPE, body: await renderMetrics(this.options.metrics, this.options.status(), this.options.traffic, this.options.clientSecurity) };
      case '/health': {
        const status = this.options.status();
        const verdict = healthOf(status, this.options.applyLagEntriesMax);
        return json(verdict.ok ? 200 : 503, healthBody(status, verdict));
      }
      case '/ready': {
        const status = this.options.status();
        const verdict = readinessOf(status, this.options.stopping());
        return json(verdict.ok ? 200 : 503, healthBody(status, verdict));
      }
      case '/status':
        return json(200, this.options.status());
      case '/cluster':
        return json(200, { self: this.options.status(), cluster: await this.options.cluster() });
      case '/favicon.ico':
        return { status: 204, contentType: 'image/x-icon', body: '' };
      case '/debug/flight':
        return { status: 200, contentType: 'application/x-ndjson; charset=utf-8', body: this.options.flightText() };
      default: {
        const file = await dashboardFile(path);
        if (file !== null) return { status: 200, contentType: file.contentType, body: file.body };
        return json(404, { error: 'NOT_FOUND', message: `no route ${path.slice(0, 100)}` });
      }
    }
  }
}

/** The path of a request URL, without query or fragment ('/' when unparsable). */
function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  try {
    return new URL(url, 'http://node').pathname;
  } catch {
    return '/';
  }
}

function json(status: number, value: unknown): Answer {
  return { status, contentType: JSON_TYPE, body: JSON.stringify(value) };
}
