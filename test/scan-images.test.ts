/**
 * `kshield scan --images` against a real registry (Debian's docker-registry on 127.0.0.1): the
 * images the manifests name are read, judged with the manifests (the user they run as, the ports
 * they expose) and their packages matched against a vulnerability database, in one report. Images
 * that cannot be read are notes; without --images nothing is fetched.
 */
import { DEBIAN_OPENSSL_ADVISORY } from './support/osv-records.js';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { kshield, kshieldAsync } from './support/cli.js';
import { freePort, registryMissing, startRegistry, type Registry } from './support/docker-registry.js';
import { buildImage, pushBuiltImage } from './support/oci-build.js';

const skip = registryMissing();
const work = mkdtempSync(path.join(os.tmpdir(), 'kshield-scan-images-'));
const db = path.join(work, 'db');
const mediumDb = path.join(work, 'db-medium');
let registry: Registry | undefined;
let stalled: net.Server | undefined;
let stalledPort = 0;
let closedPort = 0;

const DPKG_STATUS = 'Package: libssl1.1\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 1.1.1n-0+deb10u6\n\n';
const OS_RELEASE = 'NAME="Debian GNU/Linux"\nVERSION_ID="10"\nID=debian\n';

const ADVISORY = DEBIAN_OPENSSL_ADVISORY;

before(async () => {
  mkdirSync(db, { recursive: true });
  writeFileSync(path.join(db, 'DSA-0001-1.json'), JSON.stringify(ADVISORY));
  // The same flaw rated medium (CVSS 3.1 5.4), to see it raised one level.
  mkdirSync(mediumDb, { recursive: true });
  writeFileSync(path.join(mediumDb, 'DSA-0001-1.json'), JSON.stringify({ ...ADVISORY, severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N' }] }));
  // A server that accepts connections and never answers: the image timeout must end the wait.
  stalled = net.createServer(() => undefined);
  await new Promise<void>((resolve) => stalled!.listen(0, '127.0.0.1', resolve));
  stalledPort = (stalled.address() as net.AddressInfo).port;
  closedPort = await freePort();
  if (skip) return;
  registry = await startRegistry();
  const api = await buildImage(
    [{ compression: 'gzip', createdBy: 'RUN /bin/sh -c apt-get install -y libssl1.1 # buildkit', entries: [{ path: 'etc/os-release', content: OS_RELEASE }, { path: 'var/lib/dpkg/status', content: DPKG_STATUS }] }],
    { config: { User: 'app', ExposedPorts: { '3000/tcp': {} }, Labels: { 'org.opencontainers.image.source': 'https://github.com/example/shop', 'org.opencontainers.image.revision': '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b' } } },
  );
  await pushBuiltImage(registry.base, 'shop/api', '1.0', api, {});
  const worker = await buildImage([{ compression: 'gzip', createdBy: 'COPY worker /worker', entries: [{ path: 'worker', content: 'binary' }] }], { config: { User: '10001' } });
  await pushBuiltImage(registry.base, 'shop/worker', '2.0', worker, {});
});
after(async () => {
  await registry?.stop();
  stalled?.close();
  rmSync(work, { recursive: true, force: true });
});

const deployment = (name: string, image: string, extra = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: shop}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      securityContext: {runAsNonRoot: true}
      containers:
      - name: ${name}
        image: ${image}${extra}
`;

function repo(name: string, docs: string[]): string {
  const dir = path.join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'app.yaml'), docs.join('---\n'));
  return dir;
}

interface Report {
  findings: { rule: string; severity: string; message: string; file: string; line: number; path: string; resource: { kind: string; name: string }; locations?: { file: string; line: number; column: number; what: string }[] }[];
  notes: { file: string; message: string }[];
}

const CORRELATION = 'image-user-breaks-run-as-non-root,image-port-not-exposed,vulnerable-package';

function scan(dir: string, extra: string[]): Report {
  const r = kshield(['scan', dir, '--only', CORRELATION, '-o', 'json', '--fail-on', 'none', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Report;
}

describe('kshield scan --images', { skip }, () => {
  test('the image the Deployment names is read: its user and exposed ports judge the manifest, its vulnerabilities are reported, all in one report', () => {
    const image = `${registry!.host}/shop/api:1.0`;
    const dir = repo('api', [deployment('api', image, '\n        ports: [{containerPort: 8080}]')]);
    const report = scan(dir, ['--images', '--insecure', '--db', db, '--max-db-age', '100000d']);
    const file = path.join(dir, 'app.yaml');
    const byRule = (rule: string) => report.findings.filter((f) => f.rule === rule);
    assert.deepEqual(report.findings.map((f) => f.rule).sort(), ['image-port-not-exposed', 'image-user-breaks-run-as-non-root', 'vulnerable-package'], JSON.stringify(report.findings, null, 2));

    const [user] = byRule('image-user-breaks-run-as-non-root');
    assert.equal(user.file, file);
    assert.equal(user.line, 9);
    assert.match(user.message, new RegExp(`its image runs as the user name "app", .* \\(image ${image.replace(/[.]/g, '\\.')}: User "app"\\).*image has non-numeric user \\(app\\), cannot verify user is non-root`));

    const [port] = byRule('image-port-not-exposed');
    assert.equal(port.file, file);
    assert.equal(port.line, 13);
    assert.equal(port.path, '/spec/template/spec/containers/0/ports/0/containerPort');
    assert.match(port.message, new RegExp(`declares containerPort 8080/tcp, but its image ${image.replace(/[.]/g, '\\.')} exposes only 3000/tcp \\(/config/ExposedPorts\\)`));

    const [vuln] = byRule('vulnerable-package');
    assert.equal(vuln.resource.kind, 'ContainerImage');
    assert.equal(vuln.resource.name, image);
    assert.equal(vuln.severity, 'critical');
    assert.match(vuln.message, /^libssl1\.1 1\.1\.1n-0\+deb10u6 \(source openssl 1\.1\.1n-0\+deb10u6\) in \/var\/lib\/dpkg\/status \(layer 0\) has CVE-2099-0101 \(DSA-0001-1\), CVSS 3\.1 9\.8: fixed in 1\.1\.1n-0\+deb10u7/);
    assert.deepEqual(report.notes, []);
  });

  test('--image-config-only reads the configuration only: the manifest is judged, no package is matched', () => {
    const dir = repo('api-config', [deployment('api', `${registry!.host}/shop/api:1.0`)]);
    const report = scan(dir, ['--images', '--image-config-only', '--insecure', '--db', db, '--max-db-age', '100000d']);
    assert.deepEqual(report.findings.map((f) => f.rule), ['image-user-breaks-run-as-non-root']);
  });

  test('the image is linked by its digest when the manifest pins one, in whatever spelling', async () => {
    const head = await fetch(`${registry!.base}/v2/shop/api/manifests/1.0`, { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    const digest = head.headers.get('docker-content-digest')!;
    const dir = repo('api-digest', [deployment('api', `${registry!.host}/shop/api@${digest}`)]);
    const report = scan(dir, ['--images', '--image-config-only', '--insecure']);
    assert.deepEqual(report.findings.map((f) => f.rule), ['image-user-breaks-run-as-non-root']);
  });

  test('without --images nothing is fetched: an unreachable image says nothing', () => {
    const dir = repo('offline', [deployment('api', `127.0.0.1:${closedPort}/shop/api:1.0`), deployment('worker', `${registry!.host}/shop/worker:2.0`)]);
    const report = scan(dir, []);
    assert.deepEqual(report.findings, []);
    assert.deepEqual(report.notes, []);
  });

  test('an image that cannot be read is a note naming it; the other images and the manifests are still judged', () => {
    const missing = `${registry!.host}/shop/missing:9`;
    const refused = `127.0.0.1:${closedPort}/shop/api:1.0`;
    const dir = repo('unreadable', [deployment('missing', missing), deployment('refused', refused), deployment('api', `${registry!.host}/shop/api:1.0`)]);
    const r = kshield(['scan', dir, '--only', CORRELATION, '-o', 'json', '--fail-on', 'none', '--images', '--insecure', '--no-vulns']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as Report;
    assert.deepEqual(report.findings.map((f) => `${f.rule} ${f.resource.name}`), ['image-user-breaks-run-as-non-root api']);
    const notes = report.notes.map((n) => n.message);
    assert.equal(notes.length, 2, JSON.stringify(notes));
    assert.match(notes[0], new RegExp(`^image ${missing.replace(/[.]/g, '\\.')} was not read \\(--images\\): .*(MANIFEST_UNKNOWN|not found)`, 'i'));
    assert.match(notes[1], new RegExp(`^image ${refused.replace(/[.]/g, '\\.')} was not read \\(--images\\): .*ECONNREFUSED`));
    assert.equal(report.notes[0].file, path.join(dir, 'app.yaml'));
  });

  test('--max-images bounds what is read and names what was left; a stalled registry ends at --image-timeout', async () => {
    const dir = repo('bounded', [deployment('api', `${registry!.host}/shop/api:1.0`), deployment('worker', `${registry!.host}/shop/worker:2.0`)]);
    const bounded = scan(dir, ['--images', '--image-config-only', '--insecure', '--max-images', '1']);
    assert.deepEqual(bounded.findings.map((f) => f.resource.name), ['api']);
    assert.deepEqual(bounded.notes.map((n) => n.message), [`1 more image(s) were not read: --max-images 1 (the first not read: ${registry!.host}/shop/worker:2.0)`]);

    const slow = repo('stalled', [deployment('api', `127.0.0.1:${stalledPort}/shop/api:1.0`)]);
    // The stalled server lives in this process: run the CLI without blocking it.
    const r = await kshieldAsync(['scan', slow, '--only', CORRELATION, '-o', 'json', '--fail-on', 'none', '--images', '--insecure', '--image-timeout', '1s']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as Report).notes.map((n) => n.message), [`image 127.0.0.1:${stalledPort}/shop/api:1.0 was not read (--images): not read within the image timeout (1 s, --image-timeout)`]);
    assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
  });

  test('the image options are refused without --images, and checked', () => {
    const dir = repo('usage', [deployment('api', 'registry.example/shop/api:1.0')]);
    const without = kshield(['scan', dir, '--insecure']);
    assert.equal(without.code, 2);
    assert.match(without.stderr, /--insecure applies only with --images/);
    const bad = kshield(['scan', dir, '--images', '--max-images', '0']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--max-images: expected a number from 1 to 1000, got "0"/);
    const configOnly = kshield(['scan', dir, '--image-config-only']);
    assert.equal(configOnly.code, 2);
    assert.match(configOnly.stderr, /--image-config-only applies only with --images/);
    // --images takes no value: the path after it is still a path.
    const local = repo('usage-local', [deployment('api', `127.0.0.1:${closedPort}/shop/api:1.0`)]);
    const first = kshield(['scan', '--images', local, '--insecure', '--no-vulns', '-o', 'json', '--fail-on', 'none']);
    assert.equal(first.code, 0, first.stderr);
    assert.match((JSON.parse(first.stdout) as Report).notes[0]?.message ?? '', /was not read \(--images\): .*ECONNREFUSED/);
    const platform = kshield(['scan', dir, '--images', '--platform', 'linux']);
    assert.equal(platform.code, 2);
    assert.match(platform.stderr, /--platform "linux" is not os\/architecture/);
  });

  describe('linking the image to the Dockerfile that built it by its org.opencontainers.image.source label', () => {
    const DOCKERFILE = 'FROM debian:10-slim\nRUN apt-get install -y libssl1.1\nUSER app\nEXPOSE 3000\n';
    function labelled(name: string, source: string): { dir: string; dockerfile: string } {
      const dir = repo(name, [deployment('api', `${registry!.host}/shop/api:1.0`, '\n        ports: [{containerPort: 8080}]')]);
      mkdirSync(path.join(dir, 'services/api'), { recursive: true });
      writeFileSync(path.join(dir, 'services/api/Dockerfile'), DOCKERFILE);
      writeFileSync(path.join(dir, 'kshield.yaml'), `imageSources:\n  - source: ${source}\n    dockerfile: services/api/Dockerfile\n`);
      return { dir, dockerfile: path.join(dir, 'services/api/Dockerfile') };
    }
    const only = ['--only', 'image-user-breaks-run-as-non-root,image-port-not-exposed'];

    test('the label names the repository the configuration says the scan is: the findings name the Dockerfile lines too', () => {
      const { dir, dockerfile } = labelled('labelled', 'git@github.com:example/shop.git');
      const report = scan(dir, [...only, '--images', '--image-config-only', '--insecure', '--config', path.join(dir, 'kshield.yaml')]);
      const by = `linked by its org.opencontainers.image.source label (https://github.com/example/shop, revision 1a2b3c4d5e6f)`;
      const user = report.findings.find((f) => f.rule === 'image-user-breaks-run-as-non-root');
      assert.ok(user, JSON.stringify(report.findings));
      assert.ok(user.message.includes(`: User "app"; set in Dockerfile ${dockerfile}:3: USER app, ${by})`), user.message);
      const port = report.findings.find((f) => f.rule === 'image-port-not-exposed');
      assert.ok(port, JSON.stringify(report.findings));
      assert.ok(port.message.includes(`(built by ${dockerfile}, ${by}) exposes only 3000/tcp (/config/ExposedPorts; EXPOSE at ${dockerfile}:4)`), port.message);
    });

    test('the vulnerable package names the Dockerfile instruction whose layer holds it: Dockerfile line, image layer and, through the raise, the manifest', () => {
      const { dir, dockerfile } = labelled('labelled-layers', 'https://github.com/example/shop');
      writeFileSync(path.join(dir, 'app.yaml'), [deployment('api', `${registry!.host}/shop/api:1.0`), 'apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: shop}\nspec:\n  type: NodePort\n  selector: {app: api}\n  ports: [{port: 80, targetPort: 3000}]\n'].join('---\n'));
      const report = scan(dir, ['--images', '--insecure', '--db', mediumDb, '--max-db-age', '100000d', '--config', path.join(dir, 'kshield.yaml')]);
      const vuln = report.findings.find((f) => f.rule === 'vulnerable-package');
      assert.ok(vuln, JSON.stringify(report.findings));
      assert.equal(vuln.severity, 'high');
      assert.ok(vuln.message.startsWith('raised from medium to high: Service "api" of type NodePort exposes Deployment "api" (namespace shop) outside the cluster. '), vuln.message);
      assert.ok(vuln.message.includes(`in /var/lib/dpkg/status (layer 0, made by ${dockerfile}:2 RUN apt-get install -y libssl1.1) has CVE-2099-0101`), vuln.message);
      // The three views in one finding: the image layer (its position and message), the Dockerfile line and the manifest field, as locations.
      const manifestLine = readFileSync(path.join(dir, 'app.yaml'), 'utf8').split('\n').findIndex((l) => l.includes('image: ')) + 1;
      assert.deepEqual(vuln.locations, [
        { file: dockerfile, line: 2, column: 0, what: 'the Dockerfile instruction that made layer 0, which holds libssl1.1' },
        { file: path.join(dir, 'app.yaml'), line: manifestLine, column: 9, what: 'Deployment shop/api runs it (container "api")' },
      ]);
      const sarif = kshield(['scan', dir, '--only', 'vulnerable-package', '--images', '--insecure', '--db', mediumDb, '--max-db-age', '100000d', '--config', path.join(dir, 'kshield.yaml'), '-o', 'sarif', '--fail-on', 'none']);
      const result = JSON.parse(sarif.stdout).runs[0].results[0];
      assert.deepEqual(
        result.relatedLocations.map((l: { id: number; physicalLocation: { region?: { startLine: number } }; message: { text: string } }) => [l.id, l.physicalLocation.region?.startLine, l.message.text]),
        [
          [1, 2, 'the Dockerfile instruction that made layer 0, which holds libssl1.1'],
          [2, manifestLine, 'Deployment shop/api runs it (container "api")'],
        ],
      );
      const table = kshield(['scan', dir, '--only', 'vulnerable-package', '--images', '--insecure', '--db', mediumDb, '--max-db-age', '100000d', '--config', path.join(dir, 'kshield.yaml'), '--no-color', '--fail-on', 'none']);
      assert.ok(table.stdout.includes(`also ${dockerfile}:2: the Dockerfile instruction that made layer 0, which holds libssl1.1`), table.stdout);
      // The history matched the Dockerfile: no note about the image (kshield.yaml itself is noted as not a manifest).
      assert.deepEqual(report.notes.filter((n) => !n.file.endsWith('kshield.yaml')), []);
    });

    test('a Dockerfile that disagrees with the image history attributes nothing, and a note says so', () => {
      const { dir, dockerfile } = labelled('labelled-stale', 'https://github.com/example/shop');
      writeFileSync(dockerfile, 'FROM debian:10-slim\nRUN apt-get install -y curl\nUSER app\nEXPOSE 3000\n');
      const report = scan(dir, ['--images', '--insecure', '--db', mediumDb, '--max-db-age', '100000d', '--config', path.join(dir, 'kshield.yaml')]);
      const vuln = report.findings.find((f) => f.rule === 'vulnerable-package');
      assert.ok(vuln && !vuln.message.includes('made by'), JSON.stringify(report.findings));
      const notes = report.notes.filter((n) => n.file === `${registry!.host}/shop/api:1.0`);
      assert.equal(notes.length, 1, JSON.stringify(report.notes));
      assert.ok(notes[0].message.includes(dockerfile), notes[0].message);
    });

    test('another repository in the label, or no image read: the Dockerfile is not linked', () => {
      const other = labelled('other-source', 'https://github.com/example/other');
      const report = scan(other.dir, [...only, '--images', '--image-config-only', '--insecure', '--config', path.join(other.dir, 'kshield.yaml')]);
      assert.equal(report.findings.length, 2, JSON.stringify(report.findings));
      for (const f of report.findings) assert.ok(!f.message.includes('Dockerfile') && !f.message.includes('built by'), f.message);
      // Without --images there is no label to read: a source-only entry links nothing.
      const offline = labelled('no-images', 'https://github.com/example/shop');
      assert.deepEqual(scan(offline.dir, [...only, '--config', path.join(offline.dir, 'kshield.yaml')]).findings, []);
    });
  });

  describe('a vulnerability in an image the scan runs exposed or privileged is raised one level, with the reason', () => {
    const service = (type: string): string => `apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  type: ${type}
  selector: {app: api}
  ports: [{port: 80, targetPort: 3000}]
`;
    const INGRESS = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: shop}
spec:
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
`;
    const vulnerability = (dir: string, database = mediumDb) => {
      const found = scan(dir, ['--images', '--insecure', '--db', database, '--max-db-age', '100000d']).findings.filter((f) => f.rule === 'vulnerable-package');
      assert.equal(found.length, 1, JSON.stringify(found));
      return found[0];
    };
    const image = () => `${registry!.host}/shop/api:1.0`;

    test('a LoadBalancer Service exposes the workload running it: medium becomes high, and the message says why and from what', () => {
      const f = vulnerability(repo('risk-lb', [deployment('api', image()), service('LoadBalancer')]));
      assert.equal(f.severity, 'high');
      assert.match(f.message, /^raised from medium to high: Service "api" of type LoadBalancer exposes Deployment "api" \(namespace shop\) outside the cluster\. libssl1\.1 1\.1\.1n-0\+deb10u6 .* has CVE-2099-0101 \(DSA-0001-1\), CVSS 3\.1 5\.4/);
    });

    test('an Ingress routing to it, or a privileged container running it, raise it too', () => {
      const ingress = vulnerability(repo('risk-ingress', [deployment('api', image()), service('ClusterIP'), INGRESS]));
      assert.equal(ingress.severity, 'high');
      assert.match(ingress.message, /^raised from medium to high: Ingress "shop" routes traffic from outside the cluster to Deployment "api" \(namespace shop\) \(Service "api"\)\. /);
      const privileged = vulnerability(repo('risk-privileged', [deployment('api', image(), '\n        securityContext: {privileged: true}')]));
      assert.equal(privileged.severity, 'high');
      assert.match(privileged.message, /^raised from medium to high: Deployment "api" \(namespace shop\) runs it privileged \(container "api"\)\. /);
      // Critical stays critical; the reason is still given.
      const critical = vulnerability(repo('risk-critical', [deployment('api', image(), '\n        securityContext: {privileged: true}')]), db);
      assert.equal(critical.severity, 'critical');
      assert.match(critical.message, /^critical \(not raised further: Deployment "api" \(namespace shop\) runs it privileged \(container "api"\)\): libssl1\.1/);
    });

    test('a ClusterIP Service and an unprivileged container leave the advisory\'s severity as it is', () => {
      const f = vulnerability(repo('risk-none', [deployment('api', image()), service('ClusterIP')]));
      assert.equal(f.severity, 'medium');
      assert.match(f.message, /^libssl1\.1 1\.1\.1n-0\+deb10u6/);
    });

    test('a service account whose RBAC leads to cluster-admin raises it, with the first step of the path; with its token not mounted it does not', () => {
      const BINDING = `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: deployer-secrets, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}
subjects: [{kind: ServiceAccount, name: deployer, namespace: shop}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: secret-reader}
rules: [{apiGroups: [''], resources: [secrets], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ci-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: ci, namespace: shop}]
`;
      // deployer reads the shop namespace's Secrets, among them ci's long-lived token Secret, and ci is cluster-admin: two steps.
      const account = '\n      serviceAccountName: deployer';
      const withAccount = (extra: string): string => deployment('api', image()).replace('\n      containers:', `${account}${extra}\n      containers:`);
      const TOKEN = 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: ci, namespace: shop}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: ci-token, namespace: shop, annotations: {kubernetes.io/service-account.name: ci}}\ntype: kubernetes.io/service-account-token\n';
      const raisedBy = vulnerability(repo('risk-rbac', [withAccount(''), BINDING, TOKEN]));
      assert.equal(raisedBy.severity, 'high', raisedBy.message);
      assert.match(raisedBy.message, /^raised from medium to high: Deployment "api" \(namespace shop\) runs as ServiceAccount shop\/deployer, whose RBAC leads to cluster-admin \(ClusterRole secret-reader via RoleBinding shop\/deployer-secrets\)\. libssl1\.1/);
      const unmounted = vulnerability(repo('risk-rbac-unmounted', [withAccount('\n      automountServiceAccountToken: false'), BINDING, TOKEN]));
      assert.equal(unmounted.severity, 'medium', unmounted.message);
    });

    test('a NetworkPolicy admitting only the ingress controller fences the pods: the LoadBalancer does not raise it; one admitting everyone does', () => {
      const policy = (from: string): string => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
  ingress: [${from}]
`;
      const fenced = vulnerability(repo('risk-fenced', [deployment('api', image()), service('LoadBalancer'), policy('{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}]}')]));
      assert.equal(fenced.severity, 'medium');
      assert.match(fenced.message, /^libssl1\.1/);
      const open = vulnerability(repo('risk-open-policy', [deployment('api', image()), service('LoadBalancer'), policy('{}')]));
      assert.equal(open.severity, 'high');
      assert.match(open.message, /^raised from medium to high: Service "api" of type LoadBalancer/);
    });
  });
});
