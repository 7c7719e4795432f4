/**
 * The floor of `npm run bench:webhook`: the least an admission webhook written in Node can do.
 * HTTPS with the same certificate and TLS settings as kshield, reads the body, JSON.parses the
 * AdmissionReview and answers `allowed: true` with its uid. No rules, no logging, no metrics.
 *
 *   node dist/bench/children/webhook-floor.js <cert.pem> <key.pem>
 *
 * Listens on 127.0.0.1, a port the OS picks, and prints `{"port": N}` on standard output.
 */
import https from 'node:https';
import { readFileSync } from 'node:fs';

const [certFile, keyFile] = process.argv.slice(2);
if (!certFile || !keyFile) {
  process.stderr.write('usage: webhook-floor <cert.pem> <key.pem>\n');
  process.exit(64);
}

const server = https.createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), minVersion: 'TLSv1.2', keepAliveTimeout: 30_000 }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let code = 200;
    let body: string;
    try {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request?: { uid?: unknown } };
      body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request?.uid, allowed: true } });
    } catch {
      code = 400;
      body = '{"message":"not JSON"}';
    }
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }) + '\n');
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
