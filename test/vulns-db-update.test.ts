/**
 * `kshield db update` against a local HTTP server on 127.0.0.1 that serves the OSV bucket's layout
 * (<ECOSYSTEM>/all.zip, modified_id.csv, <ID>.json) with archives built by the test: a download
 * that breaks off and resumes with a Range request, a bad checksum refused, a mirror's .sha256 file,
 * incremental updates through modified_id.csv, zip limits, and the CLI with $XDG_CACHE_HOME.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { kshieldAsync, root } from './support/cli.js';
import { buildZip } from './support/zip-writer.js';
import { IndexDatabase } from '../src/vulns/db.js';
import { matchInventory } from '../src/vulns/match.js';
import { buildIndex, changedSince, osvCacheDir, updateDatabase, UPDATE_LIMITS } from '../src/vulns/update.js';
import { readZipJsonEntries, ZIP_LIMITS } from '../src/vulns/zip.js';

interface Resource {
  body: Buffer;
  etag?: string;
  /** x-goog-hash md5 (base64) to declare; 'wrong' declares another file's. */
  md5?: 'real' | 'wrong';
  /** Break the connection after this many bytes of the next full (200) response, once. */
  truncateOnceAt?: number;
}

interface Seen {
  path: string;
  range?: string;
  ifRange?: string;
  ifNoneMatch?: string;
  status: number;
}

class OsvServer {
  readonly files = new Map<string, Resource>();
  readonly seen: Seen[] = [];
  private server = http.createServer((req, res) => this.handle(req, res));
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const pathname = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
    const file = this.files.get(pathname);
    const seen: Seen = { path: pathname, range: req.headers.range, ifRange: req.headers['if-range'] as string | undefined, ifNoneMatch: req.headers['if-none-match'], status: 0 };
    this.seen.push(seen);
    if (!file) {
      seen.status = 404;
      res.writeHead(404).end('not found');
      return;
    }
    const headers: Record<string, string> = {};
    if (file.etag) headers.etag = file.etag;
    if (file.md5) {
      const md5 = createHash('md5').update(file.md5 === 'real' ? file.body : Buffer.from('another file')).digest('base64');
      headers['x-goog-hash'] = `crc32c=n03x6A==,md5=${md5}`;
    }
    if (file.etag && req.headers['if-none-match'] === file.etag) {
      seen.status = 304;
      res.writeHead(304, headers).end();
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range && (!req.headers['if-range'] || req.headers['if-range'] === file.etag)) {
      const start = Number(range[1]);
      seen.status = 206;
      res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${file.body.length - 1}/${file.body.length}`, 'content-length': String(file.body.length - start) });
      res.end(file.body.subarray(start));
      return;
    }
    seen.status = 200;
    res.writeHead(200, { ...headers, 'content-length': String(file.body.length) });
    if (file.truncateOnceAt !== undefined) {
      const at = file.truncateOnceAt;
      file.truncateOnceAt = undefined;
      res.write(file.body.subarray(0, at), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(file.body);
  }
}

function record(id: string, name: string, fixed: string, modified: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schema_version: '1.6.0', id, modified, aliases: name === 'lodash' ? ['CVE-2025-1001'] : [], affected: [{ package: { ecosystem: 'npm', name }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed }] }] }], ...extra };
}

/** An npm all.zip with `count` filler records (for size) and the records given. */
function npmArchive(records: Record<string, unknown>[], filler = 300): Buffer {
  const entries = records.map((r) => ({ name: `${String(r.id)}.json`, data: JSON.stringify(r, null, 2) }));
  for (let i = 0; i < filler; i++) entries.push({ name: `GHSA-fill-${i}.json`, data: JSON.stringify(record(`GHSA-fill-${i}`, `filler-${i}`, '1.0.1', '2025-01-01T00:00:00Z', { details: 'x'.repeat(400) }), null, 2) });
  return buildZip(entries);
}

const inventory = {
  packages: [
    { ecosystem: 'npm' as const, name: 'lodash', version: '4.17.20', purl: 'pkg:npm/lodash@4.17.20', locations: [], foundBy: 'test' },
    { ecosystem: 'npm' as const, name: 'minimist', version: '1.2.5', purl: 'pkg:npm/minimist@1.2.5', locations: [], foundBy: 'test' },
  ],
  notes: [],
};

describe('db update against a local OSV-layout server', () => {
  const server = new OsvServer();
  let cache: string;
  const log: string[] = [];
  const options = () => ({ cacheDir: cache, baseUrl: server.url, ecosystems: ['npm'], log: (l: string) => log.push(l), idleTimeoutMs: 5000 });

  before(async () => {
    await server.start();
    cache = mkdtempSync(path.join(os.tmpdir(), 'kshield-cache-'));
  });
  after(async () => {
    await server.stop();
    rmSync(cache, { recursive: true, force: true });
  });

  test('a download that breaks off is resumed with a Range request and verified against x-goog-hash MD5', async () => {
    const body = npmArchive([record('GHSA-lodash-0001', 'lodash', '4.17.21', '2025-01-10T00:00:00Z')]);
    server.files.set('/npm/all.zip', { body, etag: '"v1"', md5: 'real', truncateOnceAt: Math.floor(body.length / 2) });
    server.seen.length = 0;
    const result = await updateDatabase(options());
    assert.deepEqual(result.outcomes.map((o) => o.mode), ['full'], JSON.stringify(result.outcomes));
    assert.match(result.outcomes[0].message, /301 records, \d+ bytes, resumed, checksum md5 \(x-goog-hash\)/);
    const zipRequests = server.seen.filter((s) => s.path === '/npm/all.zip');
    assert.deepEqual(
      zipRequests.map((s) => [s.status, s.range, s.ifRange]),
      [
        [200, undefined, undefined],
        [206, `bytes=${Math.floor(body.length / 2)}-`, '"v1"'],
      ],
    );
    assert.ok(log.some((l) => l.includes('resuming at byte')), log.join('\n'));
    assert.deepEqual(readFileSync(path.join(osvCacheDir(cache), 'npm', 'all.zip')), body);
    assert.equal(existsSync(path.join(osvCacheDir(cache), 'npm', 'all.zip.part')), false);
    // The index answers lookups.
    const db = new IndexDatabase(result.indexFile!);
    assert.equal(db.info.records, 301);
    assert.deepEqual(db.info.sources?.map((s) => [s.ecosystem, s.checksum, s.records]), [['npm', 'md5 (x-goog-hash)', 301]]);
    assert.deepEqual(matchInventory(inventory, db).matches.map((m) => `${m.package.name} ${m.advisories[0].id} fixed ${m.fixed}`), ['lodash GHSA-lodash-0001 fixed 4.17.21']);
    db.close();
  });

  test('the next update fetches only the records modified_id.csv lists as changed', async () => {
    server.files.set('/npm/modified_id.csv', {
      body: Buffer.from(['2025-02-01T00:00:00Z,GHSA-minimist-0001', '2025-01-20T00:00:00Z,GHSA-lodash-0001', '2025-01-10T00:00:00Z,GHSA-lodash-0001', '2025-01-01T00:00:00Z,GHSA-fill-1'].join('\n') + '\n'),
    });
    server.files.set('/npm/GHSA-minimist-0001.json', { body: Buffer.from(JSON.stringify(record('GHSA-minimist-0001', 'minimist', '1.2.6', '2025-02-01T00:00:00Z'))) });
    // The lodash record changed: the fix moved.
    server.files.set('/npm/GHSA-lodash-0001.json', { body: Buffer.from(JSON.stringify(record('GHSA-lodash-0001', 'lodash', '4.17.22', '2025-01-20T00:00:00Z'))) });
    server.seen.length = 0;
    const result = await updateDatabase(options());
    assert.deepEqual(result.outcomes.map((o) => [o.mode, o.message]), [['incremental', '2 changed record(s) fetched']]);
    assert.deepEqual(server.seen.map((s) => s.path).sort(), ['/npm/GHSA-lodash-0001.json', '/npm/GHSA-minimist-0001.json', '/npm/modified_id.csv']);
    const db = new IndexDatabase(result.indexFile!);
    assert.equal(db.info.records, 302);
    assert.deepEqual(db.info.sources?.map((s) => s.incremental), [2]);
    assert.deepEqual(matchInventory(inventory, db).matches.map((m) => `${m.package.name} fixed ${m.fixed}`), ['lodash fixed 4.17.22', 'minimist fixed 1.2.6']);
    db.close();

    // Nothing newer: nothing fetched but the list.
    server.seen.length = 0;
    const again = await updateDatabase(options());
    assert.deepEqual(again.outcomes.map((o) => o.mode), ['unchanged']);
    assert.deepEqual(server.seen.map((s) => s.path), ['/npm/modified_id.csv']);
  });

  test('a download whose MD5 does not match is refused, and the archive held before is kept', async () => {
    const before = readFileSync(path.join(osvCacheDir(cache), 'npm', 'all.zip'));
    server.files.set('/npm/all.zip', { body: npmArchive([record('GHSA-evil-0001', 'lodash', '9.9.9', '2025-03-01T00:00:00Z')]), etag: '"v2"', md5: 'wrong' });
    const result = await updateDatabase({ ...options(), full: true });
    assert.equal(result.outcomes[0].mode, 'failed');
    assert.match(result.outcomes[0].message, /checksum mismatch: the server declared MD5 [0-9a-f]{32}, the download has [0-9a-f]{32}; the download was discarded and the previous archive kept/);
    assert.deepEqual(readFileSync(path.join(osvCacheDir(cache), 'npm', 'all.zip')), before);
    assert.equal(existsSync(path.join(osvCacheDir(cache), 'npm', 'all.zip.part')), false);
    const db = new IndexDatabase(result.indexFile!);
    assert.equal(matchInventory(inventory, db).matches.some((m) => m.advisories.some((a) => a.id === 'GHSA-evil-0001')), false);
    db.close();
  });

  test('an unchanged archive is not downloaded again (If-None-Match)', async () => {
    server.files.set('/npm/all.zip', { body: readFileSync(path.join(osvCacheDir(cache), 'npm', 'all.zip')), etag: '"v1"', md5: 'real' });
    server.files.delete('/npm/modified_id.csv');
    server.seen.length = 0;
    const result = await updateDatabase(options());
    assert.deepEqual(result.outcomes.map((o) => o.mode), ['unchanged']);
    assert.deepEqual(server.seen.filter((s) => s.path === '/npm/all.zip').map((s) => [s.status, s.ifNoneMatch]), [[304, '"v1"']]);
  });
});

describe('mirrors without x-goog-hash', () => {
  const server = new OsvServer();
  let cache: string;
  before(async () => {
    await server.start();
    cache = mkdtempSync(path.join(os.tmpdir(), 'kshield-cache-'));
  });
  after(async () => {
    await server.stop();
    rmSync(cache, { recursive: true, force: true });
  });
  const body = npmArchive([record('GHSA-lodash-0001', 'lodash', '4.17.21', '2025-01-10T00:00:00Z')], 10);
  const sha = createHash('sha256').update(body).digest('hex');

  test('all.zip.sha256 beside the archive is checked', async () => {
    server.files.set('/npm/all.zip', { body });
    server.files.set('/npm/all.zip.sha256', { body: Buffer.from(`${sha}  all.zip\n`) });
    const result = await updateDatabase({ cacheDir: cache, baseUrl: `${server.url}/`, ecosystems: ['npm'] });
    assert.deepEqual(result.outcomes.map((o) => o.mode), ['full']);
    assert.match(result.outcomes[0].message, /checksum sha256 \(all\.zip\.sha256\)$/);
  });

  test('a wrong all.zip.sha256 is refused', async () => {
    server.files.set('/npm/all.zip.sha256', { body: Buffer.from(`${'0'.repeat(64)}  all.zip\n`) });
    const result = await updateDatabase({ cacheDir: cache, baseUrl: server.url, ecosystems: ['npm'], full: true });
    assert.equal(result.outcomes[0].mode, 'failed');
    assert.match(result.outcomes[0].message, /checksum mismatch: all\.zip\.sha256 says 0{64}, the download has [0-9a-f]{64}/);
  });

  test('no checksum at all: used with a warning, or refused with --require-checksum', async () => {
    server.files.delete('/npm/all.zip.sha256');
    const lines: string[] = [];
    const refused = await updateDatabase({ cacheDir: cache, baseUrl: server.url, ecosystems: ['npm'], full: true, requireChecksum: true, log: (l) => lines.push(l) });
    assert.equal(refused.outcomes[0].mode, 'failed');
    assert.match(refused.outcomes[0].message, /gives no checksum .* and --require-checksum is set/);
    const used = await updateDatabase({ cacheDir: cache, baseUrl: server.url, ecosystems: ['npm'], full: true, log: (l) => lines.push(l) });
    assert.equal(used.outcomes[0].mode, 'full');
    assert.match(used.outcomes[0].message, /checksum none$/);
    assert.ok(lines.some((l) => /warning: no checksum available .* used unverified/.test(l)), lines.join('\n'));
  });

  test('a missing ecosystem fails alone with the URL named', async () => {
    const result = await updateDatabase({ cacheDir: cache, baseUrl: server.url, ecosystems: ['npm', 'PyPI'], full: true });
    assert.deepEqual(result.outcomes.map((o) => o.mode), ['full', 'failed']);
    assert.match(result.outcomes[1].message, /\/PyPI\/all\.zip: HTTP 404 \(no archive there/);
    assert.ok(result.index, 'the index is still built from what was fetched');
  });
});

describe('archive limits', () => {
  test('an entry over the size limit, too many entries, and a CRC mismatch are refused with the entry named', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kshield-zip-'));
    try {
      const file = path.join(dir, 'all.zip');
      writeFileSync(file, buildZip([{ name: 'A.json', data: '{}' }, { name: 'BIG.json', data: 'x'.repeat(5000) }]));
      await assert.rejects(readZipJsonEntries(file, () => {}, { ...ZIP_LIMITS, maxEntryBytes: 4096 }), /entry BIG\.json is 5000 bytes, over the limit of 4096/);
      await assert.rejects(readZipJsonEntries(file, () => {}, { ...ZIP_LIMITS, maxEntries: 1 }), /2 entries, over the limit of 1/);
      writeFileSync(file, buildZip([{ name: 'A.json', data: '{"a":1}', crcOverride: 12345 }]));
      await assert.rejects(readZipJsonEntries(file, () => {}), /entry A\.json: CRC-32 mismatch/);
      // Stored (not deflated) entries are read too.
      writeFileSync(file, buildZip([{ name: 'S.json', data: '{"stored":true}', store: true }, { name: 'D.json', data: '{"deflated":true}' }]));
      const read: string[] = [];
      assert.equal(await readZipJsonEntries(file, (name, bytes) => read.push(`${name} ${bytes.toString()}`)), 2);
      assert.deepEqual(read, ['S.json {"stored":true}', 'D.json {"deflated":true}']);
      writeFileSync(file, 'not a zip');
      await assert.rejects(readZipJsonEntries(file, () => {}), /not a readable zip archive/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('modified_id.csv is read newest first down to the last modification held', () => {
    const csv = '2025-03-01T00:00:00Z,A\n2025-02-01T00:00:00Z,B\n2025-01-01T00:00:00Z,C\n';
    assert.deepEqual(changedSince(csv, '2025-01-15T00:00:00Z'), { ids: ['A', 'B'], newest: '2025-03-01T00:00:00Z', lines: 3 });
    assert.deepEqual(changedSince(csv, '2025-03-01T00:00:00Z').ids, []);
  });

  test('buildIndex with nothing downloaded says so', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kshield-empty-'));
    try {
      await assert.rejects(buildIndex(dir, UPDATE_LIMITS), /no ecosystem archive in .*: nothing to index/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the CLI', () => {
  const server = new OsvServer();
  let xdg: string;
  before(async () => {
    await server.start();
    xdg = mkdtempSync(path.join(os.tmpdir(), 'kshield-xdg-'));
    server.files.set('/npm/all.zip', { body: npmArchive([record('GHSA-lodash-0001', 'lodash', '4.17.21', '2025-01-10T00:00:00Z', { severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }] })], 5), etag: '"c1"', md5: 'real' });
  });
  after(async () => {
    await server.stop();
    rmSync(xdg, { recursive: true, force: true });
  });

  test('db update fills $XDG_CACHE_HOME/kshield; vulns and db status read it and show its age', async () => {
    const update = await kshieldAsync(['db', 'update', '--mirror', server.url, '--ecosystem', 'npm'], { XDG_CACHE_HOME: xdg });
    assert.equal(update.code, 0, update.stderr);
    assert.match(update.stderr, /npm: full: 6 records, \d+ bytes, checksum md5 \(x-goog-hash\)/);
    assert.match(update.stdout, new RegExp(`index: ${xdg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/kshield/osv/osv-index\\.v1 \\(6 advisories, 1 ecosystem releases, `));
    assert.ok(statSync(path.join(xdg, 'kshield', 'osv', 'osv-index.v1')).size > 0);

    const inv = path.join(xdg, 'inventory.json');
    writeFileSync(inv, JSON.stringify(inventory));
    const vulns = await kshieldAsync(['vulns', inv, '--fail-on', 'high'], { XDG_CACHE_HOME: xdg });
    assert.equal(vulns.code, 1, vulns.stdout + vulns.stderr);
    assert.match(vulns.stdout, /^OSV database: index .*osv-index\.v1 \(6 advisories\), updated \S+ \(0 minutes ago\)$/m);
    assert.match(vulns.stdout, /^CVE-2025-1001\s+critical 9\.8 \(CVSS 3\.1\)\s+lodash\s+4\.17\.20\s+4\.17\.21$/m);
    assert.match(vulns.stdout, /1 at or above --fail-on high: failing\./);

    // A database older than --max-db-age is warned about.
    const stale = await kshieldAsync(['vulns', inv, '--max-db-age', '1ms'], { XDG_CACHE_HOME: xdg });
    assert.equal(stale.code, 0);
    assert.match(stale.stdout, /^warning: the vulnerability database is \d+ minutes? old \(allowed: 0 minutes, --max-db-age\)/m);

    const status = await kshieldAsync(['db', 'status', '-o', 'json'], { XDG_CACHE_HOME: xdg });
    assert.equal(status.code, 0, status.stderr);
    const info = JSON.parse(status.stdout);
    assert.deepEqual([info.records, info.sources[0].checksum, info.stale], [6, 'md5 (x-goog-hash)', false]);
  });

  test('without a database, vulns says how to get one', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'kshield-xdg-'));
    try {
      const r = await kshieldAsync(['vulns', path.join(root, 'test/fixtures/osv/inventory.json')], { XDG_CACHE_HOME: empty });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /no vulnerability database in .*: run `kshield db update` \(or give --db DIR/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
