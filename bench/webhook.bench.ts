/**
 * `npm run bench:webhook`: kshield's admission webhook under a fixed load, against the floor.
 *
 * Two child processes on 127.0.0.1, both serving HTTPS with the same generated certificate:
 * - kshield: `kshield webhook` exactly as the install manifests start it (default configuration
 *   from `kshield install webhook`, `--log-level info`), its JSON log lines written to a file, so
 *   the logging cost production pays is in the measurement;
 * - the floor (bench/children/webhook-floor.ts): reads the body, JSON.parses the review and answers
 *   `allowed: true` with the uid. The least any Node webhook does.
 *
 * The load (paced by default, or autocannon), in this process, sends the deck of bench/webhook-reviews.ts (realistic Pod and
 * Deployment reviews: compliant, denied, warned; CREATE and UPDATE with oldObject; /validate and
 * /mutate) at a fixed overall rate. Runs alternate floor, kshield, floor, kshield... because the
 * machine is shared: a neighbour's burst then hurts both sides instead of one. Printed per run and
 * as medians: latency percentiles, throughput, errors, server CPU per request, and the servers'
 * RSS before and after. A benchmark reports: a MISS exits 0.
 *
 * Knobs (environment): BENCH_WEBHOOK_REQUESTS (per kshield run, default 100,000),
 * BENCH_WEBHOOK_LOAD (paced, the default: open loop, one request due every 1/rate s, latency from
 * the due time; or autocannon: its overallRate, which sends each second's share of a connection
 * back to back), BENCH_WEBHOOK_SOCKETS (most connections of the paced load, default 64),
 * BENCH_WEBHOOK_FLOOR_REQUESTS (per floor run, default the same), BENCH_WEBHOOK_RATE (requests/s,
 * default 1,000), BENCH_WEBHOOK_CONNECTIONS (autocannon's connections, default 10), BENCH_WEBHOOK_RUNS (pairs, default 3),
 * BENCH_WEBHOOK_WARMUP (requests to each server before measuring, default 5,000),
 * BENCH_WEBHOOK_LEAD_IN (paced: unmeasured requests at the head of each run, default 2,000),
 * BENCH_WEBHOOK_LOG_LEVEL (default info, as deployed; warn shows what the per-review log line costs),
 * BENCH_WEBHOOK_NODE_ARGS (extra Node flags for the kshield child, space-separated),
 * BENCH_WEBHOOK_CPU_PROF (a directory: both servers run under --cpu-prof and write their profiles
 * there, kshield-<pid>.cpuprofile and floor-<pid>.cpuprofile),
 * BENCH_WEBHOOK_SCENARIO (default: the default configuration; signed: the deck's workloads run two
 * images signed in a local docker-registry, pinned by digest, and the configuration requires their
 * signature (webhook.imagePolicy.requireSignature): the first review of an image is timed cold,
 * then the runs measure a warm verdict cache against the same floor).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { closeSync, openSync, readFileSync, statSync, writeFileSync, createReadStream } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { generateWebhookCertificates } from '../src/admission/certs.js';
import { pushImage, registryMissing, startRegistry, type Registry } from '../test/support/docker-registry.js';
import { makeKey, pushCosignArtifact, signatureLayer, signBytes, simpleSigningPayload } from '../test/support/signing.js';
import { defaultWebhookConfig } from '../src/admission/install.js';
import { cleanScratch, envInt, fmt, loadNote, scratchFile, table } from './measure.js';
import { answerOf, benchReviews, matches, type BenchReview } from './webhook-reviews.js';

const REQUESTS = Math.max(1, envInt('BENCH_WEBHOOK_REQUESTS', 100_000));
const FLOOR_REQUESTS = Math.max(1, envInt('BENCH_WEBHOOK_FLOOR_REQUESTS', REQUESTS));
const RATE = Math.max(1, envInt('BENCH_WEBHOOK_RATE', 1000));
const CONNECTIONS = Math.max(1, envInt('BENCH_WEBHOOK_CONNECTIONS', 10));
const RUNS = Math.max(1, envInt('BENCH_WEBHOOK_RUNS', 3));
const WARMUP = envInt('BENCH_WEBHOOK_WARMUP', 5000);
/**
 * Paced load: requests at the head of every measured run, sent in the same stream on the same
 * connections but not measured. A run starts with a new connection pool (the last run's was closed
 * by the server's keep-alive timeout while the other server was measured), and its first second
 * is a storm of TLS handshakes that a webhook's long-lived API server client only meets when the
 * API server restarts: the steady state is what the run measures.
 */
const LEAD_IN = envInt('BENCH_WEBHOOK_LEAD_IN', 2000);
/** paced (default): open loop, one request every 1/RATE s; autocannon: its overallRate, which bursts. */
const LOAD: 'paced' | 'autocannon' = process.env.BENCH_WEBHOOK_LOAD === 'autocannon' ? 'autocannon' : 'paced';
if (process.env.BENCH_WEBHOOK_LOAD && !['paced', 'autocannon'].includes(process.env.BENCH_WEBHOOK_LOAD)) throw new Error(`BENCH_WEBHOOK_LOAD must be paced or autocannon, not ${process.env.BENCH_WEBHOOK_LOAD}`);
/** Most keep-alive connections the paced load opens to one server. */
const PACED_SOCKETS = Math.max(1, envInt('BENCH_WEBHOOK_SOCKETS', 64));
/** As deployed: info, one line per review. Other levels only to see what logging costs. */
const LOG_LEVEL = process.env.BENCH_WEBHOOK_LOG_LEVEL || 'info';
/** Extra Node flags for the kshield child only (e.g. --max-old-space-size=256), split on spaces. */
const KSHIELD_NODE_ARGS = (process.env.BENCH_WEBHOOK_NODE_ARGS ?? '').split(' ').filter(Boolean);
const CPU_PROF_DIR = process.env.BENCH_WEBHOOK_CPU_PROF ? path.resolve(process.env.BENCH_WEBHOOK_CPU_PROF) : undefined;
const SCENARIO: 'default' | 'signed' = process.env.BENCH_WEBHOOK_SCENARIO === 'signed' ? 'signed' : 'default';
if (process.env.BENCH_WEBHOOK_SCENARIO && !['default', 'signed'].includes(process.env.BENCH_WEBHOOK_SCENARIO)) throw new Error(`BENCH_WEBHOOK_SCENARIO must be default or signed, not ${process.env.BENCH_WEBHOOK_SCENARIO}`);

const TARGET_RATIO = 1.5;
const TARGET_RSS_GROWTH = 0.1;
const OWN_NAMESPACE = 'kshield-system';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const KSHIELD = path.join(root, 'dist', 'src', 'cli', 'main.js');
const FLOOR = path.join(here, 'children', 'webhook-floor.js');

// ---------------------------------------------------------------------------------------------
// autocannon (CommonJS, no type declarations): the part of its API used here.

interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  onResponse?: (status: number, body: string) => void;
  review: BenchReview;
}
interface AutocannonClient {
  requestIterator: { currentRequest: AutocannonRequest };
  setRequests(requests: AutocannonRequest[]): void;
}
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
  statusCodeStats: Record<string, { count: number }>;
}
interface AutocannonInstance extends Promise<AutocannonResult> {
  on(event: 'response', listener: (client: AutocannonClient, statusCode: number, resBytes: number, responseTime: number) => void): this;
  on(event: 'reqError', listener: (error: Error) => void): this;
}
type Autocannon = (options: Record<string, unknown>) => AutocannonInstance;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

// ---------------------------------------------------------------------------------------------
// Servers

interface Server {
  label: 'floor' | 'kshield';
  child: ChildProcess;
  port: number;
  stderr: () => string;
  logFile?: string;
}

function collectStderr(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (text.length < 20_000) text += chunk;
  });
  return () => text;
}

async function startFloor(certFile: string, keyFile: string): Promise<Server> {
  const nodeArgs = CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF_DIR, '--cpu-prof-name', `floor-${process.pid}.cpuprofile`] : [];
  const child = spawn(process.execPath, [...nodeArgs, FLOOR, certFile, keyFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = collectStderr(child);
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`the floor server exited (${code}) before listening: ${stderr()}`)));
  });
  return { label: 'floor', child, port, stderr };
}

/** A port nobody listens on right now (the kshield child is told to use it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function readyz(port: number, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/readyz', ca, agent: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

async function startKshield(certFile: string, keyFile: string, configFile: string, ca: string): Promise<Server> {
  const logFile = scratchFile('kshield-webhook.log');
  const logFd = openSync(logFile, 'w');
  const port = await freePort();
  const nodeArgs = [...(CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF_DIR, '--cpu-prof-name', `kshield-${process.pid}.cpuprofile`] : []), ...KSHIELD_NODE_ARGS];
  const args = ['webhook', '--tls-cert', certFile, '--tls-key', keyFile, '--port', String(port), '--address', '127.0.0.1', '--config', configFile, '--namespace', OWN_NAMESPACE, '--log-level', LOG_LEVEL];
  // Standard output is a file, as a container runtime's log file: the webhook pays for every line.
  const child = spawn(process.execPath, [...nodeArgs, KSHIELD, ...args], { cwd: root, stdio: ['ignore', logFd, 'pipe'] });
  closeSync(logFd);
  const server: Server = { label: 'kshield', child, port, stderr: collectStderr(child), logFile };
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const deadline = Date.now() + 30_000;
  while (!(await readyz(port, ca))) {
    if (exited !== undefined || Date.now() > deadline) {
      await stop(server);
      throw new Error(exited !== undefined ? `kshield webhook exited (${exited}) before it was ready: ${server.stderr()}` : 'kshield webhook was not ready within 30 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return server;
}

async function stop(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => server.child.once('exit', () => resolve()));
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

interface Memory {
  rssMiB: number;
  hwmMiB: number;
}

/** VmRSS and VmHWM (peak RSS) of a child, from /proc. */
function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 };
}

/** User + system CPU of a process, in ms (USER_HZ is 100 on Linux). */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

// ---------------------------------------------------------------------------------------------
// The deck, checked once against both servers

function post(port: number, review: BenchReview, ca: string): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, path: review.endpoint, method: 'POST', ca, agent: false, headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(review.body)) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
          } catch (err) {
            reject(err);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(review.body);
  });
}

/** Sends every review of the deck once, with certificate verification, and checks the answers. */
async function checkDeck(server: Server, deck: BenchReview[], ca: string): Promise<string[]> {
  const problems: string[] = [];
  for (const review of deck) {
    const reply = await post(server.port, review, ca);
    const response = reply.json?.response;
    if (reply.status !== 200 || response?.uid !== review.uid) {
      problems.push(`${server.label} ${review.endpoint} ${review.name}: HTTP ${reply.status}, uid ${JSON.stringify(response?.uid)}`);
      continue;
    }
    const expect = server.label === 'floor' ? 'allowed' : review.expect;
    const got = answerOf(response);
    if (!matches(expect, got)) problems.push(`${server.label} ${review.endpoint} ${review.name}: expected ${expect}, got ${got}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// One run

interface RunResult {
  label: Server['label'];
  run: number;
  requests: number;
  durationS: number;
  latencies: Float64Array;
  byEndpoint: Record<string, number[]>;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Answers that did not echo the uid or said something else than the deck expects, of `checked`. */
  wrong: number;
  checked: number;
  cpuMs: number;
  before: Memory;
  after: Memory;
  loadBefore: number;
  loadAfter: number;
  /** Paced load only: the latest a request left after its due time (the load process's own lag), ms. */
  sendLagMaxMs?: number;
  /** Requests sent in all, lead-in included: the server's CPU time is spread over these. */
  served: number;
}

function rotated<T>(items: T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

type LoadResult = Omit<RunResult, 'label' | 'run' | 'before' | 'after' | 'cpuMs' | 'loadBefore' | 'loadAfter'>;

/** An answer (HTTP 200) that does not echo the review's uid or says something else than the deck expects. */
function isWrongAnswer(server: Server, review: BenchReview, body: string): boolean {
  let response: { uid?: unknown; allowed?: unknown } | undefined;
  try {
    response = (JSON.parse(body) as { response?: { uid?: unknown; allowed?: unknown } }).response;
  } catch {
    return true;
  }
  const expect = server.label === 'floor' ? 'allowed' : review.expect;
  return response?.uid !== review.uid || !matches(expect, answerOf(response));
}

function load(server: Server, deck: BenchReview[], amount: number, ca: string, measure: boolean): Promise<LoadResult> {
  return LOAD === 'paced' ? loadPaced(server, deck, amount, ca, measure ? LEAD_IN : amount) : loadAutocannon(server, deck, amount, ca, measure);
}

/**
 * Open loop, as an API server's admission traffic arrives: request i is due at t0 + i/RATE and is
 * sent then, whatever happened to the earlier ones, on a free keep-alive connection of a pool (a
 * new one is opened while fewer than PACED_SOCKETS exist), so a slow answer never holds back the
 * next send. Latency runs from the due time to the end of the answer: a request that could only
 * leave late (the load process busy, the pool exhausted) is charged for the wait, so coordinated
 * omission cannot hide a stall. The first `leadIn` requests are sent and checked but not measured
 * (LEAD_IN); with leadIn >= amount nothing is (the warm-up).
 */
function loadPaced(server: Server, deck: BenchReview[], measured: number, ca: string, leadIn: number): Promise<LoadResult> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: PACED_SOCKETS, ca });
  const interval = 1000 / RATE;
  const amount = leadIn >= measured ? measured : leadIn + measured;
  const latencies = new Float64Array(Math.max(0, amount - leadIn));
  const byEndpoint: Record<string, number[]> = { '/validate': [], '/mutate': [] };
  let n = 0;
  let errors = 0;
  let timeouts = 0;
  let non2xx = 0;
  let wrong = 0;
  let checked = 0;
  let responses = 0;
  let settled = 0;
  let sent = 0;
  let lastEnd = 0;
  let sendLagMaxMs = 0;
  const t0 = performance.now() + 5;
  /** Due time of the first measured request: throughput counts from here. */
  const tMeasured = t0 + Math.min(leadIn, amount) * interval;
  return new Promise((resolve) => {
    const finish = (): void => {
      if (++settled < amount) return;
      agent.destroy();
      resolve({ requests: responses, served: amount, durationS: (lastEnd - tMeasured) / 1000, latencies: latencies.slice(0, n).sort(), byEndpoint, errors, timeouts, non2xx, wrong, checked, sendLagMaxMs });
    };
    const send = (i: number): void => {
      const due = t0 + i * interval;
      const measure = i >= leadIn;
      if (measure) sendLagMaxMs = Math.max(sendLagMaxMs, performance.now() - due);
      const review = deck[i % deck.length];
      let done = false;
      const settle = (): void => {
        if (done) return;
        done = true;
        finish();
      };
      const req = https.request(
        { host: '127.0.0.1', port: server.port, path: review.endpoint, method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(review.body)) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (done) return;
            const end = performance.now();
            lastEnd = Math.max(lastEnd, end);
            if (measure) responses++;
            if (res.statusCode !== 200) non2xx++;
            else {
              checked++;
              if (isWrongAnswer(server, review, Buffer.concat(chunks).toString('utf8'))) wrong++;
              if (measure) {
                const latency = end - due;
                latencies[n++] = latency;
                byEndpoint[review.endpoint]?.push(latency);
              }
            }
            settle();
          });
          res.on('error', () => {
            if (!done) errors++;
            settle();
          });
        },
      );
      req.setTimeout(10_000, () => {
        if (!done) timeouts++;
        settle();
        req.destroy();
      });
      req.on('error', () => {
        if (!done) errors++;
        settle();
      });
      req.end(review.body);
    };
    // One timer that catches up: every request whose due time has passed leaves now, so a late
    // wake-up (timers are coarse, the machine is shared) never thins the rate.
    const tick = (): void => {
      const now = performance.now();
      while (sent < amount && t0 + sent * interval <= now) send(sent++);
      if (sent < amount) setTimeout(tick, Math.max(0, t0 + sent * interval - performance.now()));
    };
    setTimeout(tick, Math.max(0, t0 - performance.now()));
  });
}

async function loadAutocannon(server: Server, deck: BenchReview[], amount: number, ca: string, measure: boolean): Promise<LoadResult> {
  let wrong = 0;
  let checked = 0;
  const requests = (offset: number): AutocannonRequest[] =>
    rotated(deck, offset).map((review) => ({
      method: 'POST',
      path: review.endpoint,
      headers: { 'content-type': 'application/json' },
      body: review.body,
      review,
      onResponse: (status: number, body: string) => {
        if (status !== 200) return;
        checked++;
        if (isWrongAnswer(server, review, body)) wrong++;
      },
    }));
  let clients = 0;
  const latencies = new Float64Array(amount + CONNECTIONS);
  const byEndpoint: Record<string, number[]> = { '/validate': [], '/mutate': [] };
  let n = 0;
  const instance = autocannon({
    url: `https://127.0.0.1:${server.port}`,
    connections: CONNECTIONS,
    overallRate: RATE,
    amount,
    timeout: 10,
    // The connections would all walk the deck in step: each starts at its own place instead.
    requests: requests(0),
    setupClient: (client: AutocannonClient) => client.setRequests(requests(Math.floor((clients++ * deck.length) / CONNECTIONS))),
    // autocannon always sets rejectUnauthorized: false; the CA is given anyway, and checkDeck verified the certificate.
    tlsOptions: { ca },
    // Its correction for coordinated omission assumes an expected interval of ceil(1/rate) = 1 ms
    // per connection and would add made-up samples; latencies are taken per response below instead.
    ignoreCoordinatedOmission: true,
  });
  if (measure) {
    instance.on('response', (client, statusCode, _bytes, responseTime) => {
      if (statusCode !== 200 || n >= latencies.length) return;
      latencies[n++] = responseTime;
      byEndpoint[client.requestIterator.currentRequest.review.endpoint]?.push(responseTime);
    });
  }
  const result = await instance;
  const answered = Object.values(result.statusCodeStats).reduce((sum, s) => sum + s.count, 0);
  return {
    requests: answered,
    served: answered,
    durationS: result.duration,
    latencies: latencies.slice(0, n).sort(),
    byEndpoint,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    wrong,
    checked,
  };
}

async function measuredRun(server: Server, run: number, deck: BenchReview[], amount: number, ca: string): Promise<RunResult> {
  const pid = server.child.pid!;
  const loadBefore = os.loadavg()[0];
  const before = memoryOf(pid);
  const cpuBefore = cpuMsOf(pid);
  const result = await load(server, deck, amount, ca, true);
  const cpuMs = cpuMsOf(pid) - cpuBefore;
  return { ...result, label: server.label, run, cpuMs, before, after: memoryOf(pid), loadBefore, loadAfter: os.loadavg()[0] };
}

// ---------------------------------------------------------------------------------------------
// Reporting

function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const ms = (n: number): string => (Number.isNaN(n) ? '-' : n < 10 ? n.toFixed(2) : n.toFixed(1));

interface Summary {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  rps: number;
  cpuPerReqMs: number;
}

function summarize(r: RunResult): Summary {
  const l = r.latencies;
  let sum = 0;
  for (const v of l) sum += v;
  return { p50: quantile(l, 0.5), p99: quantile(l, 0.99), p999: quantile(l, 0.999), max: l[l.length - 1] ?? NaN, mean: sum / Math.max(1, l.length), rps: r.requests / r.durationS, cpuPerReqMs: r.cpuMs / Math.max(1, r.served) };
}

const log = (line = ''): void => void process.stdout.write(line + '\n');

async function logLines(file: string): Promise<{ decisions: number; mutations: number; bytes: number }> {
  let decisions = 0;
  let mutations = 0;
  for await (const line of createInterface({ input: createReadStream(file) })) {
    if (line.includes('"admission decision"')) decisions++;
    else if (line.includes('"admission mutation"')) mutations++;
  }
  return { decisions, mutations, bytes: statSync(file).size };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  log('kshield admission webhook benchmark');
  log(`  before: ${loadNote()}`);
  const certs = generateWebhookCertificates({ service: 'kshield-webhook', namespace: OWN_NAMESPACE, ipAddresses: ['127.0.0.1'], extraDnsNames: ['localhost'], days: 1 });
  const certFile = scratchFile('tls.crt');
  const keyFile = scratchFile('tls.key');
  const configFile = scratchFile('kshield.yaml');
  writeFileSync(certFile, certs.cert);
  writeFileSync(keyFile, certs.key, { mode: 0o600 });
  writeFileSync(configFile, defaultWebhookConfig({ namespace: OWN_NAMESPACE, exemptNamespaces: [] }));
  let registry: Registry | undefined;
  let images: { current: string; next: string } | undefined;
  if (SCENARIO === 'signed') {
    const missing = registryMissing();
    if (missing) throw new Error(`BENCH_WEBHOOK_SCENARIO=signed needs docker-registry: ${missing}`);
    registry = await startRegistry();
    const key = makeKey('ecdsa');
    const pinned: string[] = [];
    for (const tag of ['2.14.1', '2.15.0']) {
      const image = await pushImage(registry.base, 'shop/checkout', tag);
      const payload = simpleSigningPayload(`${registry.host}/shop/checkout`, image.digest);
      await pushCosignArtifact(registry.base, 'shop/checkout', image, 'sig', [signatureLayer(payload, signBytes(key, payload))], 'cosign-tag');
      pinned.push(`${registry.host}/shop/checkout:${tag}@${image.digest}`);
    }
    images = { current: pinned[0], next: pinned[1] };
    const keyFile = scratchFile('cosign.pub');
    writeFileSync(keyFile, key.publicPem);
    const config = parseYaml(readFileSync(configFile, 'utf8')) as { webhook: Record<string, unknown> };
    config.webhook.registries = { hosts: { [registry.host]: { insecureHttp: true } } };
    config.webhook.imagePolicy = { requireSignature: [{ images: [`${registry.host}/shop/**`], keys: [keyFile] }] };
    writeFileSync(configFile, stringifyYaml(config));
  }

  const deck = benchReviews(images);
  const share = (endpoint: string): number => deck.filter((r) => r.endpoint === endpoint).length;
  const avgBytes = deck.reduce((sum, r) => sum + Buffer.byteLength(r.body), 0) / deck.length;
  log(`  deck: ${deck.length} reviews per cycle (${share('/validate')} /validate, ${share('/mutate')} /mutate), ${fmt(avgBytes / 1024, 1)} KiB average body;`);
  const counts = (endpoint: string): string => {
    const by = new Map<string, number>();
    for (const r of deck) if (r.endpoint === endpoint) by.set(r.expect, (by.get(r.expect) ?? 0) + 1);
    return [...by].map(([k, v]) => `${v} ${k}`).join(', ');
  };
  log(`        kshield must answer /validate: ${counts('/validate')}; /mutate: ${counts('/mutate')}`);
  if (LOAD === 'paced') log(`  load: paced open loop, one request due every ${fmt(1000 / RATE, 2)} ms (${fmt(RATE)}/s), sent at its due time on a free keep-alive HTTPS connection (up to ${PACED_SOCKETS}), latency from the due time,`);
  else log(`  load: autocannon, ${CONNECTIONS} keep-alive HTTPS connections, overallRate ${fmt(RATE)}/s (one load thread, no workers),`);
  log(`        ${fmt(REQUESTS)} requests per kshield run, ${fmt(FLOOR_REQUESTS)} per floor run, ${RUNS} alternating pairs, ${fmt(WARMUP)} warm-up requests each`);
  if (LOAD === 'paced' && LEAD_IN > 0) log(`        each run led in by ${fmt(LEAD_IN)} requests in the same stream, on the same connections, checked but not measured`);
  log(`  kshield: node ${path.relative(root, KSHIELD)} webhook --log-level ${LOG_LEVEL} --config <kshield install webhook default>, log lines to a file${CPU_PROF_DIR ? `; both servers under --cpu-prof into ${CPU_PROF_DIR}` : ''}`);
  if (registry) log(`  scenario signed: the deck's images are ${images!.current} and the next version, signed (cosign, ECDSA P-256) in docker-registry on ${registry.host}; webhook.imagePolicy.requireSignature names them`);
  log('');

  const floor = await startFloor(certFile, keyFile);
  let kshield: Server | undefined;
  try {
    kshield = await startKshield(certFile, keyFile, configFile, certs.caCert);
    const idle = { floor: memoryOf(floor.child.pid!), kshield: memoryOf(kshield.child.pid!) };
    if (SCENARIO === 'signed') {
      // The first review of a signed image reads the registry and verifies; the second finds the verdict cached.
      const probe = deck.find((r) => r.endpoint === '/validate' && r.name === 'Deployment CREATE compliant')!;
      const timed = async (): Promise<number> => {
        const started = performance.now();
        const reply = await post(kshield!.port, probe, certs.caCert);
        if (answerOf(reply.json?.response) !== 'allowed') throw new Error(`the signed image was not admitted: ${JSON.stringify(reply.json?.response?.status)}`);
        return performance.now() - started;
      };
      const cold = await timed();
      const warm = await timed();
      log(`  signed image, first review (cold: tag already pinned, manifest, .sig tag, referrers, signature blob read and verified): ${ms(cold)} ms; the same review again (verdict cached): ${ms(warm)} ms (both on a new TLS connection)`);
    }
    const problems = [...(await checkDeck(floor, deck, certs.caCert)), ...(await checkDeck(kshield, deck, certs.caCert))];
    if (problems.length > 0) {
      process.stderr.write(`the deck does not get the answers it was built for, so the benchmark would measure something else:\n  ${problems.join('\n  ')}\n`);
      process.exitCode = 1;
      return;
    }
    log(`  deck checked: every review answered as designed (kshield) and allowed with its uid (floor), certificates verified`);
    if (WARMUP > 0) {
      for (const server of [floor, kshield]) {
        const w = await load(server, deck, WARMUP, certs.caCert, false);
        if (w.errors || w.non2xx || w.wrong) log(`  warm-up of ${server.label}: ${w.errors} errors, ${w.non2xx} non-2xx, ${w.wrong} wrong answers`);
      }
    }
    const warmed = { floor: memoryOf(floor.child.pid!), kshield: memoryOf(kshield.child.pid!) };

    const results: RunResult[] = [];
    for (let run = 1; run <= RUNS; run++) {
      for (const server of [floor, kshield]) {
        const r = await measuredRun(server, run, deck, server.label === 'floor' ? FLOOR_REQUESTS : REQUESTS, certs.caCert);
        results.push(r);
        const s = summarize(r);
        log(`  run ${run} ${server.label.padEnd(7)}  p50 ${ms(s.p50)} ms  p99 ${ms(s.p99)} ms  max ${ms(s.max)} ms  ${fmt(s.rps)} req/s  errors ${r.errors}  non-2xx ${r.non2xx}  wrong ${r.wrong}/${fmt(r.checked)} checked${r.sendLagMaxMs !== undefined ? `  send lag max ${ms(r.sendLagMaxMs)} ms` : ''}  load ${r.loadBefore.toFixed(2)}->${r.loadAfter.toFixed(2)}`);
      }
    }
    const final = { floor: memoryOf(floor.child.pid!), kshield: memoryOf(kshield.child.pid!) };

    log('');
    const header = ['run', 'server', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'mean ms', 'errors', 'timeouts', 'non-2xx', 'wrong', 'CPU ms/req', 'RSS MiB before->after', 'load 1m'];
    const rows = results.map((r) => {
      const s = summarize(r);
      return [String(r.run), r.label, fmt(r.requests), fmt(s.rps), ms(s.p50), ms(s.p99), ms(s.p999), ms(s.max), ms(s.mean), String(r.errors), String(r.timeouts), String(r.non2xx), String(r.wrong), s.cpuPerReqMs.toFixed(3), `${fmt(r.before.rssMiB, 1)}->${fmt(r.after.rssMiB, 1)}`, `${r.loadBefore.toFixed(2)}->${r.loadAfter.toFixed(2)}`];
    });
    log(table(header, rows));
    log('');

    const med = (label: Server['label'], pick: (s: Summary) => number): number => median(results.filter((r) => r.label === label).map((r) => pick(summarize(r))));
    const medRows = (['floor', 'kshield'] as const).map((label) => [label, ms(med(label, (s) => s.p50)), ms(med(label, (s) => s.p99)), ms(med(label, (s) => s.p999)), ms(med(label, (s) => s.max)), ms(med(label, (s) => s.mean)), fmt(med(label, (s) => s.rps)), med(label, (s) => s.cpuPerReqMs).toFixed(3)]);
    log(`medians of ${RUNS} runs`);
    log(table(['server', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'mean ms', 'req/s', 'CPU ms/req'], medRows));
    log('');
    const kshieldRuns = results.filter((r) => r.label === 'kshield');
    const endpointP99 = (endpoint: string): string => ms(median(kshieldRuns.map((r) => quantile(Float64Array.from(r.byEndpoint[endpoint]).sort(), 0.99))));
    const endpointP50 = (endpoint: string): string => ms(median(kshieldRuns.map((r) => quantile(Float64Array.from(r.byEndpoint[endpoint]).sort(), 0.5))));
    log(`kshield by endpoint (medians): /validate p50 ${endpointP50('/validate')} ms, p99 ${endpointP99('/validate')} ms; /mutate p50 ${endpointP50('/mutate')} ms, p99 ${endpointP99('/mutate')} ms`);
    const memRow = (label: 'floor' | 'kshield'): string[] => [label, fmt(idle[label].rssMiB, 1), fmt(warmed[label].rssMiB, 1), fmt(final[label].rssMiB, 1), fmt(final[label].hwmMiB, 1), `${(((final[label].rssMiB - warmed[label].rssMiB) / warmed[label].rssMiB) * 100).toFixed(1)}%`];
    log('memory (VmRSS, VmHWM = peak RSS)');
    log(table(['server', 'idle MiB', 'after warm-up', 'after all runs', 'peak', 'growth over the runs'], [memRow('floor'), memRow('kshield')]));
    if (kshield.logFile) {
      const lines = await logLines(kshield.logFile);
      const served = results.filter((r) => r.label === 'kshield').reduce((sum, r) => sum + r.served, 0) + WARMUP + deck.length;
      log(`kshield log: ${fmt(lines.decisions)} decision and ${fmt(lines.mutations)} mutation lines for ${fmt(served)} reviews, ${fmt(lines.bytes / 1024 / 1024, 1)} MiB (${fmt(lines.bytes / Math.max(1, lines.decisions + lines.mutations))} bytes a line)`);
    }
    log('');

    const ratio = med('kshield', (s) => s.p99) / med('floor', (s) => s.p99);
    const failures = kshieldRuns.reduce((sum, r) => sum + r.errors + r.non2xx + r.wrong, 0);
    const growth = (final.kshield.rssMiB - warmed.kshield.rssMiB) / warmed.kshield.rssMiB;
    const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');
    log(`targets`);
    log(`  p99 kshield / floor <= ${TARGET_RATIO}: ${ms(med('kshield', (s) => s.p99))} / ${ms(med('floor', (s) => s.p99))} ms = ${ratio.toFixed(2)} -> ${verdict(ratio <= TARGET_RATIO)}`);
    log(`  zero errors (connection errors, timeouts, non-2xx, wrong answers) over ${fmt(kshieldRuns.reduce((s, r) => s + r.served, 0))} kshield requests: ${failures} -> ${verdict(failures === 0)}`);
    log(`  RSS growth < ${TARGET_RSS_GROWTH * 100}% (after warm-up -> after all runs): ${fmt(warmed.kshield.rssMiB, 1)} -> ${fmt(final.kshield.rssMiB, 1)} MiB, ${(growth * 100).toFixed(1)}% -> ${verdict(growth < TARGET_RSS_GROWTH)}`);
    const floorFailures = results.filter((r) => r.label === 'floor').reduce((sum, r) => sum + r.errors + r.non2xx + r.wrong, 0);
    if (floorFailures > 0) log(`  note: the floor itself had ${floorFailures} failures: the load or the machine is the limit, not kshield`);
    log(`  after: ${loadNote()}`);
  } finally {
    await registry?.stop();
    await stop(floor);
    if (kshield) {
      await stop(kshield);
      const err = kshield.stderr().trim();
      if (err) process.stderr.write(`kshield webhook stderr:\n${err}\n`);
    }
    await cleanScratch();
  }
}

await main();
