/**
 * A stand-in kubelet for probe tests, on 127.0.0.1 and free ports: the read-only port
 * (plaintext HTTP serving /pods and /metrics to anyone) and the API port (HTTPS) answering
 * anonymous requests the way a kubelet configured in a given way does. Also a server that
 * accepts connections and never answers, for timeout tests.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { makeTestPki, type TestPki } from './certs.js';
import { freePort } from './ports.js';

/**
 * How the API port treats a request without credentials:
 * - anonymous-allowed: anonymous auth on, authorization AlwaysAllow (200 with data)
 * - unauthorized: anonymous auth off (401)
 * - forbidden: anonymous auth on, Webhook authorization denying system:anonymous (403)
 * - client-certificate: TLS demands a client certificate (handshake refused)
 */
export type SecurePortMode = 'anonymous-allowed' | 'unauthorized' | 'forbidden' | 'client-certificate';

export interface TestKubeletOptions {
  /** Serve the read-only port (else the port stays closed: nothing listens). */
  readOnlyPort: boolean;
  securePort: SecurePortMode;
}

export interface TestKubelet {
  readOnlyPort: number;
  securePort: number;
  /** "GET /pods" lines, per port. */
  requests: { readOnly: string[]; secure: string[] };
  close(): Promise<void>;
}

/** A pod list with a secret-looking environment value: tests check it never reaches the output. */
export const SECRET_IN_POD = 'sk_live_kshield_probe_must_not_print_this';

const POD_LIST = JSON.stringify({
  kind: 'PodList',
  apiVersion: 'v1',
  metadata: {},
  items: [
    {
      metadata: { name: 'payments-7d9c', namespace: 'shop' },
      spec: { containers: [{ name: 'app', image: 'shop/payments:1.4', env: [{ name: 'STRIPE_KEY', value: SECRET_IN_POD }] }] },
    },
  ],
});
const CONFIGZ = JSON.stringify({ kubeletconfig: { authentication: { anonymous: { enabled: true } }, authorization: { mode: 'AlwaysAllow' } } });
const METRICS = '# HELP kubelet_running_pods Number of pods that have a running pod sandbox\n# TYPE kubelet_running_pods gauge\nkubelet_running_pods 1\n';

let pki: TestPki | undefined;

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    (server as http.Server).closeAllConnections?.();
  });
}

export async function startTestKubelet(options: TestKubeletOptions): Promise<TestKubelet> {
  pki ??= makeTestPki();
  const requests = { readOnly: [] as string[], secure: [] as string[] };
  const servers: net.Server[] = [];

  let readOnlyPort: number;
  if (options.readOnlyPort) {
    const server = http.createServer((req, res) => {
      requests.readOnly.push(`${req.method} ${req.url}`);
      if (req.url === '/pods' || req.url === '/pods/') res.writeHead(200, { 'content-type': 'application/json' }).end(POD_LIST);
      else if (req.url === '/metrics') res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(METRICS);
      else res.writeHead(404).end('404 page not found\n');
    });
    servers.push(server);
    readOnlyPort = await listen(server);
  } else readOnlyPort = await freePort();

  const mode = options.securePort;
  const secure = https.createServer(
    {
      cert: pki.serverCertPem,
      key: pki.serverKeyPem,
      ca: pki.caPem,
      // Like a kubelet: client certificates are asked for but optional, unless the mode demands one.
      requestCert: true,
      rejectUnauthorized: mode === 'client-certificate',
    },
    (req, res) => {
      requests.secure.push(`${req.method} ${req.url}`);
      const known = req.url === '/pods' || req.url === '/runningpods/' || req.url === '/configz';
      if (!known) return void res.writeHead(404).end('404 page not found\n');
      if (mode === 'unauthorized') return void res.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized');
      if (mode === 'forbidden') {
        return void res.writeHead(403, { 'content-type': 'text/plain' }).end('Forbidden (user=system:anonymous, verb=get, resource=nodes, subresource=proxy)');
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(req.url === '/configz' ? CONFIGZ : POD_LIST);
    },
  );
  servers.push(secure);
  const securePort = await listen(secure);

  return {
    readOnlyPort,
    securePort,
    requests,
    close: async () => {
      await Promise.all(servers.map(close));
    },
  };
}

/** A TCP server that accepts connections and never sends a byte: probes must time out, not hang. */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  const port = await listen(server);
  return {
    port,
    close: () => {
      for (const s of sockets) s.destroy();
      return close(server);
    },
  };
}
