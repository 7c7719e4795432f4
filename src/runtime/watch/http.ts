/** `kshield watch`'s small HTTP server: GET /metrics (Prometheus text), /healthz (alive), /readyz (synced). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { METRICS_CONTENT_TYPE } from '../../admission/metrics.js';
import type { Watcher } from './watcher.js';

export interface WatchHttpServer {
  port: number;
  close(): Promise<void>;
}

export async function serveWatchHttp(watcher: Watcher, address: string, port: number): Promise<WatchHttpServer> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (url === '/metrics') {
      res.writeHead(200, { 'Content-Type': METRICS_CONTENT_TYPE }).end(watcher.metrics.render());
    } else if (url === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
    } else if (url === '/readyz') {
      if (watcher.synced) res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
      else res.writeHead(503, { 'Content-Type': 'text/plain' }).end('not synced\n');
    } else res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
  });
  // Slow clients must not hold sockets: this port answers small GETs only.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
