/**
 * `npm run bench:image`: how fast `kshield image` reads layers, against plain `gunzip -c` of the
 * same layers in the same run, and its peak RSS while scanning a 1 GiB image.
 *
 * The image is generated once (seeded, offline) as an OCI layout in bench/.image-corpus/
 * (git-ignored): 8 gzip layers that unpack to 1 GiB in all, holding what images hold: file
 * contents half incompressible (binaries, compressed assets) and half text, executables (the Go
 * build-info scanner reads them), 2,000 node_modules package.json files, Python dist-infos, and
 * this machine's dpkg status. A 128 MiB zstd layer image is generated beside it for the zstd figure.
 *
 * Measured, best of BENCH_RUNS (default 3), each in its own child process:
 * (a) `gunzip -c` of every layer blob in order, output discarded: the floor;
 * (b) `kshield image oci-layout DIR -o json`, end to end as a user runs it (Node start-up, digest
 *     verification, decompression, tar parsing, inventory, report), with its peak RSS;
 * (c) the same for the zstd image against `zstd -dc` (informative: on Node 20 zstd is pure JS).
 * Throughput ratio = gunzip time / kshield time (same bytes). Goals: ratio >= 0.7, RSS < 200 MiB.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { envInt, fmt, loadNote, runNode, cleanScratch, table } from './measure.js';
import { Rng } from './rng.js';

const GENERATOR_VERSION = '1';
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const CLI = path.join(repo, 'dist/src/cli/main.js');
const CORPUS = process.env.BENCH_IMAGE_DIR ?? path.join(repo, 'bench/.image-corpus');
const LAYERS = 8;
const LAYER_BYTES = 128 * 1024 * 1024;
const RUNS = Math.max(1, envInt('BENCH_RUNS', 3));
const TIMEOUT_MS = envInt('BENCH_TIMEOUT_S', 600) * 1000;

const sha256hex = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** 1 MiB of random bytes and 1 MiB of text: file contents are slices of these, so generation is fast and compression realistic. */
function pools(rng: Rng): { random: Buffer; text: Buffer } {
  const random = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < random.length; i += 4) random.writeUInt32LE(Math.floor(rng.next() * 2 ** 32), i);
  const words = ['container', 'kubernetes', 'layer', 'image', 'package', 'version', 'license', 'function', 'return', 'const', 'import', 'export', 'module', 'error', 'value', 'string'];
  const parts: string[] = [];
  let size = 0;
  while (size < 1024 * 1024) {
    const w = rng.pick(words) + (rng.chance(0.1) ? '\n' : ' ');
    parts.push(w);
    size += w.length;
  }
  return { random, text: Buffer.from(parts.join('')).subarray(0, 1024 * 1024) };
}

function content(rng: Rng, p: { random: Buffer; text: Buffer }, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let at = 0; at < size; ) {
    const pool = rng.chance(0.5) ? p.random : p.text;
    const n = Math.min(size - at, rng.int(4096, 65536));
    const from = rng.int(0, pool.length - n);
    pool.copy(out, at, from, from + n);
    at += n;
  }
  return out;
}

interface Generated {
  dir: string;
  blobs: string[];
  unpackedBytes: number;
  compressedBytes: number;
}

async function writeLayer(file: string, compression: 'gzip' | 'zstd', fill: (pack: tar.Pack) => Promise<void>): Promise<{ diffId: string; digest: string; size: number; unpacked: number }> {
  const pack = tar.pack();
  const diff = createHash('sha256');
  let unpacked = 0;
  const tmp = `${file}.tmp`;
  const compressed =
    compression === 'gzip'
      ? (() => {
          const gz = zlib.createGzip({ level: 6 });
          return { input: gz, done: pipeline(gz, createWriteStream(tmp)) };
        })()
      : (() => {
          const child = spawn('zstd', ['-q', '-3', '-c'], { stdio: ['pipe', 'pipe', 'inherit'] });
          return { input: child.stdin, done: pipeline(child.stdout, createWriteStream(tmp)) };
        })();
  pack.on('data', (c: unknown) => {
    const b = c as Buffer;
    diff.update(b);
    unpacked += b.length;
    if (!compressed.input.write(b)) {
      pack.pause();
      compressed.input.once('drain', () => pack.resume());
    }
  });
  const ended = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  await fill(pack);
  pack.finalize();
  await ended;
  compressed.input.end();
  await compressed.done;
  const digest = createHash('sha256');
  await pipeline(createReadStream(tmp), digest);
  const hex = digest.digest('hex');
  const final = path.join(path.dirname(file), hex);
  renameSync(tmp, final);
  return { diffId: `sha256:${diff.digest('hex')}`, digest: `sha256:${hex}`, size: statSync(final).size, unpacked };
}

function entry(pack: tar.Pack, name: string, data: Buffer, mode = 0o644): Promise<void> {
  return new Promise((resolve, reject) => pack.entry({ name, mode, size: data.length, mtime: new Date('2024-01-01T00:00:00Z') }, data, (e) => (e ? reject(e) : resolve())));
}

async function generate(dir: string, layers: number, layerBytes: number, compression: 'gzip' | 'zstd', seed: number): Promise<Generated> {
  const stamp = path.join(dir, 'STAMP');
  const wanted = `${GENERATOR_VERSION} ${layers} ${layerBytes} ${compression} ${seed}`;
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return JSON.parse(readFileSync(path.join(dir, 'generated.json'), 'utf8')) as Generated;
  rmSync(dir, { recursive: true, force: true });
  const blobDir = path.join(dir, 'blobs', 'sha256');
  mkdirSync(blobDir, { recursive: true });
  const rng = new Rng(seed);
  const p = pools(rng);
  const described: { diffId: string; digest: string; size: number; unpacked: number }[] = [];
  for (let l = 0; l < layers; l++) {
    process.stderr.write(`generating ${compression} layer ${l + 1}/${layers}\n`);
    described.push(
      await writeLayer(path.join(blobDir, `layer-${l}`), compression, async (pack) => {
        let written = 0;
        if (l === 0 && existsSync('/var/lib/dpkg/status')) await entry(pack, 'var/lib/dpkg/status', readFileSync('/var/lib/dpkg/status'));
        if (l === 1)
          for (let i = 0; i < 2000; i++) {
            const data = Buffer.from(JSON.stringify({ name: `pkg-${i}`, version: `1.${i % 50}.${i % 7}`, license: 'MIT', description: 'generated' }));
            await entry(pack, `app/node_modules/pkg-${i}/package.json`, data);
            written += data.length + 1024;
          }
        if (l === 2)
          for (let i = 0; i < 200; i++) {
            const data = Buffer.from(`Metadata-Version: 2.1\nName: dist-${i}\nVersion: 0.${i}.0\n\n`);
            await entry(pack, `usr/lib/python3/site-packages/dist_${i}-0.${i}.0.dist-info/METADATA`, data);
            written += data.length + 1024;
          }
        for (let f = 0; written < layerBytes; f++) {
          const size = Math.min(layerBytes - written, rng.chance(0.05) ? rng.int(4, 16) * 1024 * 1024 : rng.int(1024, 256 * 1024));
          const data = content(rng, p, size);
          const executable = rng.chance(0.1);
          if (executable) Buffer.from([0x7f, 0x45, 0x4c, 0x46]).copy(data);
          await entry(pack, `layer${l}/dir${f % 97}/file-${f}${executable ? '' : '.dat'}`, data, executable ? 0o755 : 0o644);
          written += size + 512;
        }
      }),
    );
  }
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { User: '10001' }, rootfs: { type: 'layers', diff_ids: described.map((d) => d.diffId) }, history: described.map((_, i) => ({ created_by: `RUN generate layer ${i}` })) }));
  writeFileSync(path.join(blobDir, sha256hex(config)), config);
  const media = compression === 'gzip' ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.oci.image.layer.v1.tar+zstd';
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha256hex(config)}`, size: config.length },
      layers: described.map((d) => ({ mediaType: media, digest: d.digest, size: d.size })),
    }),
  );
  writeFileSync(path.join(blobDir, sha256hex(manifest)), manifest);
  writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${sha256hex(manifest)}`, size: manifest.length }] }));
  const generated: Generated = {
    dir,
    blobs: described.map((d) => path.join(blobDir, d.digest.slice(7))),
    unpackedBytes: described.reduce((s, d) => s + d.unpacked, 0),
    compressedBytes: described.reduce((s, d) => s + d.size, 0),
  };
  writeFileSync(path.join(dir, 'generated.json'), JSON.stringify(generated));
  writeFileSync(stamp, wanted);
  return generated;
}

/** Wall time of `tool args blob > /dev/null` for every blob in order, in one shell, best of RUNS. */
function floor(tool: string, blobs: string[]): number {
  let best = Infinity;
  for (let r = 0; r < RUNS; r++) {
    const started = process.hrtime.bigint();
    const res = spawnSync('sh', ['-c', `for f in "$@"; do ${tool} "$f" > /dev/null || exit 1; done`, 'sh', ...blobs], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (res.status !== 0) throw new Error(`${tool} failed`);
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6);
  }
  return best;
}

async function kshieldRun(dir: string): Promise<{ wallMs: number; maxRssMiB: number }> {
  let best = { wallMs: Infinity, maxRssMiB: 0 };
  for (let r = 0; r < RUNS; r++) {
    const run = await runNode(CLI, ['image', 'oci-layout', dir, '-o', 'json', '--output-file', '/dev/null', '--fail-on', 'none'], { cwd: repo, timeoutMs: TIMEOUT_MS });
    if (run.exitCode !== 0) throw new Error(`kshield image failed (exit ${run.exitCode}${run.timedOut ? ', timed out' : ''}): ${run.stderr}`);
    if (run.wallMs < best.wallMs) best = { wallMs: run.wallMs, maxRssMiB: Math.max(best.maxRssMiB, run.maxRssMiB) };
    else best.maxRssMiB = Math.max(best.maxRssMiB, run.maxRssMiB);
  }
  return best;
}

const mib = (b: number): string => fmt(b / 1024 / 1024, 1);

async function main(): Promise<void> {
  process.stdout.write(`kshield image benchmark, ${loadNote()}, best of ${RUNS}\n\n`);
  const gz = await generate(path.join(CORPUS, 'gzip'), LAYERS, LAYER_BYTES, 'gzip', 1401);
  const gunzipMs = floor('gunzip -c', gz.blobs);
  const k = await kshieldRun(gz.dir);
  const rows = [
    ['gunzip -c (floor)', mib(gz.unpackedBytes), fmt(gunzipMs / 1000, 2), fmt(gz.unpackedBytes / 1024 / 1024 / (gunzipMs / 1000), 0), '', ''],
    ['kshield image oci-layout (gzip)', mib(gz.unpackedBytes), fmt(k.wallMs / 1000, 2), fmt(gz.unpackedBytes / 1024 / 1024 / (k.wallMs / 1000), 0), fmt(gunzipMs / k.wallMs, 2), fmt(k.maxRssMiB, 0)],
  ];
  let zstdLine = '';
  if (spawnSync('zstd', ['--version']).status === 0) {
    const zs = await generate(path.join(CORPUS, 'zstd'), 1, LAYER_BYTES, 'zstd', 1402);
    const zstdMs = floor('zstd -q -dc', zs.blobs);
    const kz = await kshieldRun(zs.dir);
    rows.push(['zstd -dc (floor)', mib(zs.unpackedBytes), fmt(zstdMs / 1000, 2), fmt(zs.unpackedBytes / 1024 / 1024 / (zstdMs / 1000), 0), '', '']);
    rows.push(['kshield image oci-layout (zstd)', mib(zs.unpackedBytes), fmt(kz.wallMs / 1000, 2), fmt(zs.unpackedBytes / 1024 / 1024 / (kz.wallMs / 1000), 0), fmt(zstdMs / kz.wallMs, 2), fmt(kz.maxRssMiB, 0)]);
    zstdLine = `zstd: ${fmt(zstdMs / kz.wallMs, 2)}x of zstd -dc (informative; Node 20 has no zstd in zlib, fzstd is pure JS)\n`;
  }
  process.stdout.write(table(['run', 'unpacked MiB', 'seconds', 'MiB/s', 'ratio', 'peak RSS MiB'], rows) + '\n\n');
  process.stdout.write(`image: ${LAYERS} gzip layers, ${mib(gz.compressedBytes)} MiB compressed, ${mib(gz.unpackedBytes)} MiB unpacked\n`);
  const ratio = gunzipMs / k.wallMs;
  process.stdout.write(`${ratio >= 0.7 ? 'PASS' : '!! MISS'}: layer reading at ${fmt(ratio, 2)}x the speed of gunzip -c (goal >= 0.7x)\n`);
  process.stdout.write(`${k.maxRssMiB < 200 ? 'PASS' : '!! MISS'}: peak RSS ${fmt(k.maxRssMiB, 0)} MiB scanning the 1 GiB image (goal < 200 MiB)\n`);
  process.stdout.write(zstdLine);
  await cleanScratch();
}

await main();
