/**
 * The webhook's log destination: lines written in batches, none lost on a normal exit, and a
 * blocked standard output costing dropped (and counted) lines, not unbounded memory.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { webhookLogger } from '../src/cli/webhook.js';
import { WebhookMetrics } from '../src/admission/metrics.js';

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kshield-webhook-log-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const here = path.dirname(fileURLToPath(import.meta.url));

test('every line reaches the file when the process exits right after logging, batched or not', () => {
  const file = path.join(dir, 'exit.log');
  // A child that logs 500 lines (less than one batch for the last ones) and exits at once.
  const script = `
    import { openSync } from 'node:fs';
    import { webhookLogger } from ${JSON.stringify(path.join(here, '..', 'src', 'cli', 'webhook.js'))};
    const { log } = webhookLogger('info', { fd: openSync(${JSON.stringify(file)}, 'w') });
    for (let i = 0; i < 500; i++) log.info({ uid: 'u' + i }, 'admission decision');
    process.exit(0);
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(run.status, 0, run.stderr);
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { uid: string; msg: string });
  assert.equal(lines.length, 500);
  assert.deepEqual(lines.map((l) => l.uid), Array.from({ length: 500 }, (_, i) => `u${i}`));
});

test('a line logged alone is written within the flush interval, without waiting for a full batch', async () => {
  const file = path.join(dir, 'alone.log');
  const fd = openSync(file, 'w');
  const { log } = webhookLogger('info', { fd });
  log.info({ uid: 'only' }, 'admission decision');
  const deadline = Date.now() + 5000;
  let text = '';
  while (Date.now() < deadline && !text.includes('"only"')) {
    await new Promise((r) => setTimeout(r, 20));
    text = readFileSync(file, 'utf8');
  }
  assert.match(text, /"uid":"only"/);
  closeSync(fd);
});

test('when nobody reads standard output, lines past the buffer limit are dropped and counted in the metrics', async (t) => {
  if (process.platform !== 'linux') return t.skip('needs mkfifo and non-blocking FIFOs (Linux)');
  const fifo = path.join(dir, 'stdout.fifo');
  execFileSync('mkfifo', [fifo]);
  // Read-write and non-blocking: the open does not wait for a reader, and a full pipe answers EAGAIN.
  const writer = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
  const { log, onDrop } = webhookLogger('info', { fd: writer, bufferLimit: 256 * 1024 });
  const metrics = new WebhookMetrics();
  onDrop((lines) => metrics.logLinesDropped.inc({}, lines));
  const line = 'x'.repeat(900);
  for (let i = 0; i < 2000; i++) log.info({ uid: `u${i}`, pad: line }, 'admission decision');
  const dropped = Number(/^kshield_webhook_log_lines_dropped_total (\d+)$/m.exec(metrics.render())?.[1]);
  // ~1 KB a line: the pipe (64 KB) and the buffer (256 KB) hold a few hundred; the rest are dropped.
  assert.ok(dropped > 1000 && dropped < 2000, `dropped ${dropped}`);
  // Drain the pipe so the destination can finish its writes and the test process end.
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const chunk = Buffer.alloc(1 << 16);
  let kept = 0;
  const deadline = Date.now() + 10_000;
  let quiet = 0;
  while (Date.now() < deadline && quiet < 10) {
    let n = 0;
    try {
      n = readSync(reader, chunk);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
    for (let i = 0; i < n; i++) if (chunk[i] === 0x0a) kept++;
    quiet = n === 0 ? quiet + 1 : 0;
    await new Promise((r) => setTimeout(r, 50));
  }
  // What was not dropped arrives, once somebody reads.
  assert.equal(kept + dropped, 2000, `kept ${kept}, dropped ${dropped}`);
  closeSync(reader);
  closeSync(writer);
});

test('a fresh metrics page shows the dropped-lines counter at zero', () => {
  assert.match(new WebhookMetrics().render(), /^# TYPE kshield_webhook_log_lines_dropped_total counter\nkshield_webhook_log_lines_dropped_total 0$/m);
});
