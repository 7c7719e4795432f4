/**
 * The store's images and runtime alerts (migration 4), ONE suite run against SQLite and PostgreSQL
 * (as test/store.test.ts): a real `kshield image -o json` result, a real `kshield scan --images`
 * result of a Deployment running an image pushed to a local registry (the workloads of an image),
 * and the audit lines the real `kshield respond` engine writes (alerts, actions, refusals, posture).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { kshield } from './support/cli.js';
import { registryMissing, startRegistry, type Registry } from './support/docker-registry.js';
import { buildImage, pushBuiltImage } from './support/oci-build.js';
import { DEBIAN_OPENSSL_ADVISORY } from './support/osv-records.js';
import { skipUnlessPostgres, startPostgres, type TestPostgres } from './support/postgres.js';
import { imageResult, respondAuditLog, RUNTIME_SECRET_VALUE } from './support/runtime-results.js';
import { openStore, StoreError, type Store } from '../src/store/store.js';
import { generateResult } from './support/store-results.js';
import type { Obj } from './support/respond.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'kshield-serve-runtime-store-'));
let image: { text: string; report: Obj };
let audit: { text: string; lines: Obj[] };
const registrySkip = registryMissing();
let registry: Registry | undefined;
/** With a registry: `kshield image REF` and `kshield scan --images` of a Deployment running REF. */
let registryImage: { ref: string; image: string; scan: string } | undefined;

const DPKG_STATUS = 'Package: libssl1.1\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 1.1.1n-0+deb10u6\n\n';
const OS_RELEASE = 'NAME="Debian GNU/Linux"\nVERSION_ID="10"\nID=debian\n';

before(async () => {
  image = await imageResult(work);
  audit = await respondAuditLog(work, image);
  if (registrySkip) return;
  registry = await startRegistry();
  const built = await buildImage([{ compression: 'gzip', createdBy: 'RUN /bin/sh -c apt-get install -y libssl1.1 # buildkit', entries: [{ path: 'etc/os-release', content: OS_RELEASE }, { path: 'var/lib/dpkg/status', content: DPKG_STATUS }] }], { config: { User: 'app' } });
  await pushBuiltImage(registry.base, 'shop/api', '1.0', built, {});
  const ref = `${registry.host}/shop/api:1.0`;
  const db = path.join(work, 'db-debian');
  mkdirSync(db, { recursive: true });
  writeFileSync(path.join(db, 'DSA-0001-1.json'), JSON.stringify(DEBIAN_OPENSSL_ADVISORY));
  const dir = path.join(work, 'repo');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'app.yaml'),
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec:\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec:\n      containers:\n      - name: api\n        image: ${ref}\n`,
  );
  const scanned = kshield(['scan', dir, '--images', '--insecure', '--db', db, '--max-db-age', '100000d', '-o', 'json', '--fail-on', 'none']);
  assert.equal(scanned.code, 0, scanned.stderr);
  const imaged = kshield(['image', ref, '--insecure', '--db', db, '--max-db-age', '100000d', '-o', 'json', '--fail-on', 'none']);
  assert.equal(imaged.code, 0, imaged.stderr);
  registryImage = { ref, image: imaged.stdout, scan: scanned.stdout };
});
after(async () => {
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

interface Backend {
  name: string;
  skip: string | false;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  fresh(): Promise<string>;
}

let dbCount = 0;
const sqlite: Backend = { name: 'SQLite', skip: false, setup: async () => undefined, teardown: async () => undefined, fresh: async () => path.join(work, `store-${++dbCount}`, 'kshield.db') };
const pgSkip = skipUnlessPostgres('the images and runtime store suite on PostgreSQL');
let server: TestPostgres | undefined;
const postgres: Backend = {
  name: 'PostgreSQL',
  skip: pgSkip.skip,
  async setup() {
    server = await startPostgres();
  },
  async teardown() {
    await server?.stop();
  },
  fresh: () => server!.createDatabase(),
};

for (const backend of [sqlite, postgres]) {
  describe(`images and runtime alerts on ${backend.name}`, { skip: backend.skip }, () => {
    const opened: Store[] = [];
    const open = async (): Promise<Store> => {
      const store = await openStore(await backend.fresh());
      opened.push(store);
      return store;
    };
    before(() => backend.setup());
    after(async () => {
      for (const s of opened) await s.close().catch(() => undefined);
      await backend.teardown();
    });

    test('an image result sent under a cluster\'s name is a series of its own: the cluster\'s card, "previous scan", new since and the trend stay its scans\'', async () => {
      const store = await open();
      const at = (day: number): Date => new Date(Date.UTC(2026, 10, day));
      const a = await store.importScan({ source: 'east', command: 'cluster', result: generateResult({ findings: 300, generation: 0, seed: 3 }).report, startedAt: at(1) });
      const img = await store.importScan({ source: 'east', command: 'scan', result: image.text });
      assert.equal(img.command, 'image');
      const [east] = (await store.listSources()).filter((s) => s.source === 'east');
      assert.equal(east.latest.id, a.id, 'the card shows the cluster scan, not the image result sent after it');
      assert.equal(east.scans, 2);
      const b = await store.importScan({ source: 'east', command: 'cluster', result: generateResult({ findings: 300, generation: 5, seed: 3 }).report, startedAt: new Date(Date.now() + 60_000) });
      assert.equal((await store.previousScan(b.id))?.id, a.id, 'compared with the cluster scan before it, not with the image result');
      const diff = await store.diff(a.id, b.id);
      assert.equal((await store.findings({ scanId: b.id, notIn: a.id, limit: 1 })).total, diff.new);
      assert.ok(diff.new < b.total, 'new since is a drift of the same cluster, not every finding');
      assert.equal((await store.previousScan(img.id)), undefined, 'an image result has no earlier image result here');
      const [trend] = await store.trends({ source: 'east', groupBy: 'source' });
      assert.deepEqual(trend.points.map((p) => p.scanId), [a.id, b.id]);
      const onlyImages = await store.importScan({ source: 'images', command: 'scan', result: image.text });
      const [imagesTrend] = await store.trends({ source: 'images', groupBy: 'source' });
      assert.deepEqual(imagesTrend.points.map((p) => p.scanId), [onlyImages.id], 'a source of image results alone still has its trend');
    });

    test('a kshield image result: a scan of command image, its configuration findings, the image with its packages and every vulnerability', async () => {
      const store = await open();
      const record = await store.importScan({ source: 'images', command: 'scan', result: image.text });
      assert.equal(record.command, 'image');
      assert.equal(record.resources, 1);
      const configFindings = (image.report.findings as Obj[]).filter((f) => !f.suppressed);
      assert.equal(record.total, configFindings.length);
      const page = await store.findings({ scanId: record.id, limit: 100 });
      assert.deepEqual(page.findings.map((f) => f.rule).sort(), configFindings.map((f) => f.rule).sort());
      assert.ok(page.findings.every((f) => f.resource.kind === 'ContainerImage' && f.resource.name === image.report.subject.name));

      const [stored] = await store.listImages(record.id);
      assert.equal(stored.name, image.report.subject.name);
      assert.equal(stored.targetKind, 'oci-layout');
      assert.equal(stored.digest, image.report.subject.manifestDigest);
      assert.equal(stored.os, 'Debian GNU/Linux 10 (buster)');
      assert.equal(stored.packages, (image.report.packages as Obj[]).length);
      assert.equal(stored.vulnerabilitiesKnown, true);
      // The counts are the report's own: worked out here from its vulnerabilities.
      const vulns = (image.report.vulnerabilities.vulnerabilities as Obj[]).filter((v) => !v.suppressed);
      assert.ok(vulns.length >= 2, `the example image has vulnerabilities in the fixtures' database (${vulns.length})`);
      const expected = { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 } as Record<string, number>;
      for (const v of vulns) expected[['critical', 'high', 'medium', 'low'].includes(v.severity) ? v.severity : 'unknown']++;
      assert.deepEqual(stored.bySeverity, expected);
      assert.equal(stored.total, vulns.length);
      assert.equal(stored.fixable, vulns.filter((v) => typeof v.fixed === 'string').length);

      const all = await store.imageVulnerabilities({ scanId: record.id, image: stored.seq });
      assert.deepEqual(all.vulnerabilities.map((v) => v.id).sort(), vulns.map((v) => v.id).sort());
      const openssl = all.vulnerabilities.find((v) => v.id === 'CVE-2099-0101')!;
      assert.deepEqual(
        { package: openssl.package, installed: openssl.installed, fixed: openssl.fixed, severity: openssl.severity, aliases: openssl.aliases, ecosystem: openssl.ecosystem },
        { package: 'libssl1.1', installed: '1.1.1n-0+deb10u6', fixed: '1.1.1n-0+deb10u7', severity: 'critical', aliases: ['DSA-0001-1'], ecosystem: 'Debian' },
      );
      // Most severe first.
      const ranks = all.vulnerabilities.map((v) => ['unknown', 'low', 'medium', 'high', 'critical'].indexOf(v.severity));
      assert.deepEqual(ranks, [...ranks].sort((a, b) => b - a));
      const critical = await store.imageVulnerabilities({ scanId: record.id, image: stored.seq, severity: ['critical'] });
      assert.deepEqual(critical.vulnerabilities.map((v) => v.id).sort(), vulns.filter((v) => v.severity === 'critical').map((v) => v.id).sort());
      const fixable = await store.imageVulnerabilities({ scanId: record.id, image: stored.seq, fixable: true });
      assert.equal(fixable.total, stored.fixable);
      assert.ok(fixable.vulnerabilities.every((v) => v.fixed !== null));
      const unfixable = await store.imageVulnerabilities({ scanId: record.id, image: stored.seq, fixable: false });
      assert.equal(unfixable.total + fixable.total, stored.total);
      assert.equal((await store.scansWithImages())[0].scan.id, record.id);

      await assert.rejects(store.imageVulnerabilities({ scanId: record.id, image: 7 }), (e: Error) => e instanceof StoreError && /scan \d+ has no image 7/.test(e.message));
      assert.equal(await store.deleteScan(record.id), true);
      assert.deepEqual(await store.scansWithImages(), []);
    });

    test('scan --images: the images its findings name, their vulnerabilities, and the workloads that run them; a kshield image result of the same source finds them', { skip: registrySkip }, async () => {
      const store = await open();
      const scan = await store.importScan({ source: 'east', command: 'scan', result: registryImage!.scan });
      const [fromScan] = await store.listImages(scan.id);
      assert.equal(fromScan.name, registryImage!.ref);
      assert.deepEqual(fromScan.workloads, ['Deployment shop/api']);
      assert.equal(fromScan.packages, null);
      assert.equal(fromScan.total, 1);
      const [v] = (await store.imageVulnerabilities({ scanId: scan.id, image: fromScan.seq })).vulnerabilities;
      assert.deepEqual({ id: v.id, package: v.package, installed: v.installed, aliases: v.aliases }, { id: 'CVE-2099-0101', package: 'libssl1.1', installed: '1.1.1n-0+deb10u6', aliases: ['DSA-0001-1'] });
      assert.equal(v.fixed, '1.1.1n-0+deb10u7');

      const imported = await store.importScan({ source: 'east', command: 'scan', result: registryImage!.image });
      const [fromImage] = await store.listImages(imported.id);
      assert.equal(fromImage.name, registryImage!.ref);
      assert.equal(fromImage.total, 1);
      assert.deepEqual(fromImage.workloads, ['Deployment shop/api']);
      assert.equal(fromImage.workloadsFromScan, scan.id);
      // Another source's image of the same name is not linked.
      const elsewhere = await store.importScan({ source: 'west', command: 'scan', result: registryImage!.image });
      assert.deepEqual((await store.listImages(elsewhere.id))[0].workloads, []);
    });

    test("kshield respond's audit log: one alert per alert id, with its actions, refusals and posture; imported twice, stored once", async () => {
      const store = await open();
      const first = await store.importRuntime({ source: 'east', lines: audit.text });
      assert.equal(first.newAlerts, 3);
      const stepLines = audit.lines.filter((l) => l.event === 'action' || l.event === 'refusal');
      assert.equal(first.newActions, stepLines.length);
      assert.equal(first.used, stepLines.length + audit.lines.filter((l) => l.event === 'posture').length);
      const again = await store.importRuntime({ source: 'east', lines: audit.text });
      assert.deepEqual({ newAlerts: again.newAlerts, updatedAlerts: again.updatedAlerts, newActions: again.newActions }, { newAlerts: 0, updatedAlerts: 3, newActions: 0 });

      const page = await store.runtimeAlerts();
      assert.equal(page.total, 3);
      // Newest first: the kube-system shell (12:03), the miner (12:02), the first shell (12:00).
      assert.deepEqual(page.alerts.map((a) => `${a.namespace}/${a.pod}`), ['kube-system/coredns-1', 'shop/worker-1', `shop/${'web-7d9f8c6b5-x2x4q'}`]);
      const [refused, miner, shell] = page.alerts;
      assert.equal(shell.rule, 'Terminal shell in container');
      assert.equal(shell.sender, 'falco');
      assert.equal(shell.priority, 'notice');
      assert.deepEqual(shell.actions.map((x) => `${x.action}:${x.status}`), ['label:done', 'notify:done']);
      assert.ok(shell.techniques.includes('T1059'));
      assert.equal(shell.postureStatus, 'linked');
      const posture = shell.posture as Obj;
      assert.equal(posture.workload.name, 'web');
      assert.ok(Array.isArray(posture.images) && posture.images[0].scanned === true, JSON.stringify(posture.images));
      assert.deepEqual(miner.actions.map((x) => `${x.action}:${x.status}`), ['approve:held']);
      assert.deepEqual(refused.actions.map((x) => `${x.action}:${x.status}:${x.refusal}`), ['label:refused:protected-namespace', 'notify:skipped:null']);

      assert.deepEqual((await store.runtimeAlerts({ namespace: ['shop'] })).alerts.map((a) => a.pod), ['worker-1', 'web-7d9f8c6b5-x2x4q']);
      assert.deepEqual((await store.runtimeAlerts({ rule: ['Terminal shell in container'] })).total, 2);
      assert.deepEqual((await store.runtimeAlerts({ action: ['approve'] })).alerts.map((a) => a.pod), ['worker-1']);
      assert.deepEqual((await store.runtimeAlerts({ action: ['approve'], namespace: ['kube-system'] })).total, 0);
      assert.deepEqual((await store.runtimeAlerts({ action: ['label'], namespace: ['kube-system'] })).total, 1);
      assert.equal((await store.runtimeAlerts({ source: 'west' })).total, 0);
      const facets = await store.runtimeFacets();
      assert.deepEqual(facets.sources.map((s) => [s.key, s.alerts]), [['east', 3]]);
      assert.deepEqual(facets.namespaces.map((n) => [n.key, n.alerts]), [['shop', 2], ['kube-system', 1]]);
      assert.deepEqual(facets.actions.map((n) => n.key).sort(), ['approve', 'label', 'notify']);
      // The Secret's value is in the cluster the posture was computed from, never in what is stored.
      assert.ok(!JSON.stringify(page).includes(RUNTIME_SECRET_VALUE));
    });

    test('a line that is not JSON is refused with its number; lines of other programs are left out', async () => {
      const store = await open();
      const lines = audit.text.split('\n');
      const broken = [...lines.slice(0, 2), 'kshield respond: listening', ...lines.slice(2)].join('\n');
      await assert.rejects(store.importRuntime({ source: 'east', lines: broken }), (e: Error) => e instanceof StoreError && /^line 3 of the audit log is not valid JSON/.test(e.message));
      assert.equal((await store.runtimeAlerts()).total, 0, 'nothing of a refused import is stored');
      const other = `${JSON.stringify({ level: 'info', msg: 'another program' })}\n${audit.text}`;
      const result = await store.importRuntime({ source: 'east', lines: other });
      assert.equal(result.skipped, 1 + audit.lines.filter((l) => !['action', 'refusal', 'posture'].includes(l.event)).length);
      await assert.rejects(store.importRuntime({ source: '', lines: audit.text }), StoreError);
    });
  });
}
