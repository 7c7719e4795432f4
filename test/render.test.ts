/**
 * Directories that must be rendered before they are manifests: kustomizations (built with the real
 * `kubectl kustomize`), Helm charts (a stand-in `helm` script first on PATH: a real process
 * boundary), and unrendered Go templates met as plain files. Run as a user would: the built CLI.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { cli } from './support/cli.js';
import { loadPaths } from '../src/sources/files.js';
import { firstLines, releaseName } from '../src/sources/render.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface JsonFinding {
  rule: string;
  file: string;
  line: number;
  column: number;
  path: string;
  resource: { kind: string; name: string; namespace?: string };
}

interface JsonReport {
  findings: JsonFinding[];
  errors: { file: string; line?: number; message: string }[];
  notes: { file: string; line?: number; message: string }[];
  summary: { resources: number };
}

let dir: string;
/** A directory on PATH with nothing in it: no kubectl, no kustomize, no helm. */
let emptyBin: string;

/** The CLI with `cwd` = the test directory and PATH as given (this process's PATH by default). */
function kshield(args: string[], opts: { path?: string; input?: string } = {}): Run {
  const env = { ...process.env, PATH: opts.path ?? process.env.PATH ?? '' };
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: dir, input: opts.input ?? '', encoding: 'utf8', env, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function report(r: Run): JsonReport {
  try {
    return JSON.parse(r.stdout) as JsonReport;
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

function write(file: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
}

/** Line and column (1-based) of the first line of `text` starting with `prefix` after indentation (and "- "). */
function positionOf(text: string, prefix: string): { line: number; column: number } {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*(?:- )?)/.exec(lines[i])!;
    if (lines[i].slice(m[1].length).startsWith(prefix)) return { line: i + 1, column: m[1].length + 1 };
  }
  throw new Error(`${prefix} not in\n${text}`);
}

const kubectlAvailable = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
// CI installs kubectl (.ci/run); elsewhere the kustomize tests are skipped without it, and say so.
const needKubectl = kubectlAvailable ? false : process.env.KSHIELD_INTEGRATION === 'required' ? false : 'kubectl is not on PATH';
if (!kubectlAvailable && process.env.KSHIELD_INTEGRATION === 'required') throw new Error('kubectl is required (KSHIELD_INTEGRATION=required) but not on PATH');

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kshield-render-'));
  emptyBin = path.join(dir, 'empty-bin');
  mkdirSync(emptyBin);

  // A base and an overlay that patches it, the way kustomize repositories are laid out. `bases:` and
  // `patchesStrategicMerge:` are read by every kustomize kubectl has shipped (v2 to v5).
  write(
    'k8s/base/deployment.yaml',
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        securityContext:
          privileged: false
`,
  );
  write(
    'k8s/base/service.yaml',
    `apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector: {app: web}
  type: NodePort
  ports:
  - port: 80
`,
  );
  write('k8s/base/kustomization.yaml', 'resources:\n- deployment.yaml\n- service.yaml\n');
  // The patch is a partial object: scanned alone it is a Deployment without selector or image.
  write(
    'k8s/overlays/prod/privileged.yaml',
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
      - name: web
        securityContext:
          privileged: true
`,
  );
  write('k8s/overlays/prod/kustomization.yaml', 'bases:\n- ../../base\npatchesStrategicMerge:\n- privileged.yaml\n');
  // A second overlay that moves everything to another namespace.
  write('k8s/overlays/staging/kustomization.yaml', 'namespace: staging\nbases:\n- ../../base\n');
  // A third that changes only the Deployment: its Service is the very object prod applies.
  write('k8s/overlays/dev/replicas.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  replicas: 2\n');
  write('k8s/overlays/dev/kustomization.yaml', 'bases:\n- ../../base\npatchesStrategicMerge:\n- replicas.yaml\n');

  write('extra/a.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\n');
  write('extra/b.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: shop}\n');

  // A kustomization kustomize refuses: it lists a file that is not there.
  write('broken/kustomization.yaml', 'resources:\n- missing.yaml\n');

  // A chart (templates are not YAML) and the output a stand-in helm prints for it.
  write('chart/Chart.yaml', 'apiVersion: v2\nname: shop\nversion: 0.1.0\n');
  write('chart/values.yaml', 'replicaCount: 1\n');
  write(
    'chart/templates/deployment.yaml',
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-api
spec:
  replicas: {{ .Values.replicaCount }}
  template:
    spec:
      {{- with .Values.podSecurityContext }}
      securityContext: {{- toYaml . | nindent 8 }}
      {{- end }}
`,
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A directory holding an executable `helm` that runs `script` (sh), first on PATH. */
function fakeHelm(name: string, script: string): string {
  const bin = path.join(dir, `bin-${name}`);
  mkdirSync(bin, { recursive: true });
  writeFileSync(path.join(bin, 'helm'), `#!/bin/sh\n${script}\n`);
  chmodSync(path.join(bin, 'helm'), 0o755);
  // The script's own tools (cat, sleep) come from the usual PATH, after it.
  return `${bin}${path.delimiter}${process.env.PATH ?? ''}`;
}

const HELM_OUTPUT = `---
# Source: shop/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: chart-api
  namespace: shop
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      hostNetwork: true
      containers:
      - name: api
        image: nginx:1.27
`;

describe('kustomize: a directory with a kustomization is built, not read file by file', { skip: needKubectl }, () => {
  test('the overlay is scanned as kubectl kustomize builds it: the patched field is judged, at its place in the rendered output', () => {
    const r = kshield(['scan', 'k8s', '-o', 'json', '--fail-on', 'critical']);
    assert.equal(r.code, 1, r.stderr);
    const out = report(r);
    const rendered = spawnSync('kubectl', ['kustomize', path.join('k8s', 'overlays', 'prod')], { cwd: dir, encoding: 'utf8' }).stdout;
    const privileged = out.findings.filter((f) => f.rule === 'privileged-container');
    assert.equal(privileged.length, 1, JSON.stringify(privileged));
    assert.equal(privileged[0].file, `${path.join('k8s', 'overlays', 'prod', 'kustomization.yaml')} (rendered by kubectl kustomize)`);
    assert.deepEqual(privileged[0].resource, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' });
    assert.deepEqual({ line: privileged[0].line, column: privileged[0].column }, positionOf(rendered, 'privileged: true'));
    // The patch file and the base's unpatched deployment are kustomize's inputs, not objects anyone applies.
    assert.ok(!out.findings.some((f) => f.file.endsWith('privileged.yaml') || f.file.endsWith('deployment.yaml')), JSON.stringify(out.findings.map((f) => f.file)));
    assert.ok(!out.notes.some((n) => /unnamed/.test(n.message)), JSON.stringify(out.notes));
    // Three Deployments (one per overlay), the staging Service, and the Service dev and prod share, once.
    assert.equal(out.summary.resources, 5);
  });

  test('an object kustomize left as it is keeps its source file and position, and is judged once', () => {
    for (const jobs of ['1', '2']) {
      // With two threads the plain files are shared out; every kustomization is rendered on one thread.
      const out = report(kshield(['scan', 'k8s', 'extra', '-o', 'json', '--fail-on', 'none', '-j', jobs]));
      assert.equal(out.summary.resources, 7, `-j ${jobs}`);
      const nodePort = out.findings.filter((f) => f.rule === 'service-type-nodeport');
      assert.deepEqual(
        nodePort.map((f) => [f.resource.namespace, f.file, f.line, f.column]),
        [
          // dev and prod leave the Service as the base has it; staging moved it to another namespace.
          ['shop', path.join('k8s', 'base', 'service.yaml'), 8, 3],
          ['staging', `${path.join('k8s', 'overlays', 'staging', 'kustomization.yaml')} (rendered by kubectl kustomize)`, nodePort[1]?.line, 3],
        ],
        `-j ${jobs}`,
      );
      assert.deepEqual(
        out.notes.filter((n) => /exactly as another/.test(n.message)),
        [{ file: path.join('k8s', 'overlays', 'prod', 'kustomization.yaml'), message: '1 object(s) of its output are exactly as another scanned kustomization renders them, from the same source file: scanned once, there' }],
      );
    }
  });

  test('each overlay is judged as it renders', () => {
    const out = report(kshield(['scan', 'k8s', '-o', 'json', '--fail-on', 'none']));
    const nodePort = out.findings.filter((f) => f.rule === 'service-type-nodeport');
    assert.deepEqual(
      nodePort.map((f) => [f.resource.namespace, f.file]),
      [
        ['shop', path.join('k8s', 'base', 'service.yaml')],
        ['staging', `${path.join('k8s', 'overlays', 'staging', 'kustomization.yaml')} (rendered by kubectl kustomize)`],
      ],
    );
    const singleReplica = out.findings.filter((f) => f.rule === 'single-replica').map((f) => f.file);
    // dev's patch sets two replicas; prod and staging run the base's one.
    assert.deepEqual(singleReplica, [
      `${path.join('k8s', 'overlays', 'prod', 'kustomization.yaml')} (rendered by kubectl kustomize)`,
      `${path.join('k8s', 'overlays', 'staging', 'kustomization.yaml')} (rendered by kubectl kustomize)`,
    ]);
    // Given as an absolute path, the source file is named absolutely, as a plain scan would name it.
    const absolute = report(kshield(['scan', path.join(dir, 'k8s', 'overlays', 'prod'), '-o', 'json', '--fail-on', 'none']));
    assert.deepEqual(absolute.findings.filter((f) => f.rule === 'service-type-nodeport').map((f) => f.file), [path.join(dir, 'k8s', 'base', 'service.yaml')]);
  });

  test('a base that a scanned overlay builds on is not rendered alone: one note says why', () => {
    const out = report(kshield(['scan', 'k8s', '-o', 'json', '--fail-on', 'none']));
    const base = out.notes.filter((n) => n.file === path.join('k8s', 'base', 'kustomization.yaml'));
    assert.equal(base.length, 1, JSON.stringify(out.notes));
    assert.match(base[0].message, /^kustomization used by k8s\/overlays\/dev, k8s\/overlays\/prod, k8s\/overlays\/staging: scanned in their rendered output, not on its own$/);
    // Named on the command line, the base is rendered: it is what the user asked for.
    const alone = report(kshield(['scan', path.join('k8s', 'base'), '-o', 'json', '--fail-on', 'none']));
    assert.equal(alone.summary.resources, 2);
    assert.ok(alone.findings.some((f) => f.rule === 'service-type-nodeport'));
    assert.ok(!alone.findings.some((f) => f.rule === 'privileged-container'));
  });

  test('a kustomization kustomize refuses is an input error naming it and kustomize\'s reason; the rest is still scanned', () => {
    const r = kshield(['scan', 'broken', 'k8s', '-o', 'json', '--fail-on', 'none']);
    assert.equal(r.code, 2, r.stderr);
    const out = report(r);
    assert.equal(out.errors.length, 1, JSON.stringify(out.errors));
    assert.equal(out.errors[0].file, path.join('broken', 'kustomization.yaml'));
    assert.match(out.errors[0].message, /^kubectl kustomize broken failed \(exit code 1\): .*missing\.yaml.*; not scanned$/);
    assert.ok(out.findings.some((f) => f.rule === 'privileged-container'));
  });

  test('--no-render scans the files as they are, patches included', () => {
    const out = report(kshield(['scan', 'k8s', '--no-render', '-o', 'json', '--fail-on', 'none']));
    const privileged = out.findings.filter((f) => f.rule === 'privileged-container');
    assert.deepEqual(privileged.map((f) => `${f.file}:${f.line}`), [`${path.join('k8s', 'overlays', 'prod', 'privileged.yaml')}:12`]);
  });

  test('the analysis commands read the rendered objects too', () => {
    const r = kshield(['netpol', 'reach', 'k8s', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const { connections } = JSON.parse(r.stdout) as { connections: { src: string; dst: string }[] };
    // Only the rendered staging overlay has a workload in "staging".
    assert.ok(connections.some((c) => c.src === 'shop/Deployment/web' && c.dst === 'staging/Deployment/web'), r.stdout);
  });
});

describe('kustomize without kubectl or kustomize on PATH', () => {
  test('one note names the command to run; with nothing else to scan, exit 2', () => {
    const r = kshield(['scan', 'k8s', '-o', 'json'], { path: emptyBin });
    assert.equal(r.code, 2, r.stderr);
    const out = report(r);
    assert.deepEqual(out.notes.map((n) => n.file), [
      path.join('k8s', 'base', 'kustomization.yaml'),
      path.join('k8s', 'overlays', 'dev', 'kustomization.yaml'),
      path.join('k8s', 'overlays', 'prod', 'kustomization.yaml'),
      path.join('k8s', 'overlays', 'staging', 'kustomization.yaml'),
    ]);
    assert.match(out.notes[2].message, /^a kustomization, not rendered: neither kubectl nor kustomize is on PATH\. Render it and scan the output: kubectl kustomize k8s\/overlays\/prod \| kshield scan - \(or --no-render scans its files as they are\)$/);
    assert.deepEqual(out.errors, [{ file: 'k8s', message: 'nothing to scan: 3 kustomization(s) or chart(s) not rendered (see the notes)' }]);
  });

  test('next to other manifests, the run exits by its findings', () => {
    write('plain/pod.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27\n    securityContext: {privileged: true}\n');
    const r = kshield(['scan', 'k8s', 'plain', '-o', 'json'], { path: emptyBin });
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(report(r).errors, []);
  });
});

describe('Helm charts', () => {
  test('with helm on PATH the chart is rendered by `helm template NAME DIR` and the output scanned', () => {
    const argsFile = path.join(dir, 'helm-args');
    const bin = fakeHelm('ok', `printf '%s\\n' "$@" > '${argsFile}'\ncat <<'EOF'\n${HELM_OUTPUT}EOF`);
    const r = kshield(['scan', 'chart', '-o', 'json', '--fail-on', 'none'], { path: bin });
    assert.equal(r.code, 0, r.stderr);
    const out = report(r);
    assert.deepEqual(spawnSync('cat', [argsFile], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean), ['template', 'chart', 'chart']);
    const hostNetwork = out.findings.filter((f) => f.rule === 'host-network');
    assert.equal(hostNetwork.length, 1, JSON.stringify(out));
    assert.equal(hostNetwork[0].file, `${path.join('chart', 'Chart.yaml')} (rendered by helm template)`);
    assert.deepEqual({ line: hostNetwork[0].line, column: hostNetwork[0].column }, positionOf(HELM_OUTPUT, 'hostNetwork: true'));
    // The templates themselves are not read: no "not YAML" error from them.
    assert.deepEqual(out.errors, []);
  });

  test('without helm: one note naming the command, and exit 2 when nothing else was scanned', () => {
    const r = kshield(['scan', 'chart', '-o', 'json'], { path: emptyBin });
    assert.equal(r.code, 2, r.stderr);
    const out = report(r);
    assert.deepEqual(out.notes, [{ file: path.join('chart', 'Chart.yaml'), message: 'a Helm chart, not rendered: helm is not on PATH. Render it and scan the output: helm template chart chart | kshield scan -' }]);
    assert.deepEqual(out.errors, [{ file: 'chart', message: 'nothing to scan: the Helm chart here was not rendered (see the note)' }]);
  });

  test('helm failing is an input error with its first lines; quoted values in them are never printed', () => {
    const bin = fakeHelm('fails', `echo 'Error: template: shop/templates/deployment.yaml:5:3: executing "x" at <"s3cr3t-FAKE-value">: error calling required' >&2\nexit 1`);
    const r = kshield(['scan', 'chart', '-o', 'json'], { path: bin });
    assert.equal(r.code, 2, r.stderr);
    const out = report(r);
    assert.equal(out.errors.length, 1);
    assert.equal(out.errors[0].file, path.join('chart', 'Chart.yaml'));
    assert.match(out.errors[0].message, /^helm template chart chart failed \(exit code 1\): template: shop\/templates\/deployment\.yaml:5:3: executing "<redacted, fewer than 8 characters>" at <"<redacted, 16 to 31 characters>">: error calling required; not scanned$/);
    assert.ok(!r.stdout.includes('s3cr3t') && !r.stderr.includes('s3cr3t'));
  });

  test('output over --max-file-size is refused, as a file of that size would be', () => {
    const bin = fakeHelm('big', `i=0; while [ $i -lt 200 ]; do echo "# padding line $i ......................................................"; i=$((i+1)); done`);
    const r = kshield(['scan', 'chart', '-o', 'json', '--max-file-size', '4KiB'], { path: bin });
    assert.equal(r.code, 2, r.stderr);
    assert.deepEqual(report(r).errors, [{ file: path.join('chart', 'Chart.yaml'), message: 'helm template chart chart wrote more than the 4 KiB limit (set --max-file-size to raise it); not scanned' }]);
  });

  test('a renderer past its deadline is stopped and reported, without waiting for it', async () => {
    const bin = fakeHelm('slow', 'sleep 30');
    const saved = process.env.PATH;
    process.env.PATH = bin;
    const started = Date.now();
    try {
      const r = await loadPaths([path.join(dir, 'chart')], { renderTimeoutMs: 300 });
      assert.equal(r.errors.length, 1, JSON.stringify(r.errors));
      assert.match(r.errors[0].message, /^helm template chart .*chart did not finish within 300 ms; not scanned$/);
    } finally {
      process.env.PATH = saved;
    }
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  });

  test('release names are valid Helm release names', () => {
    assert.equal(releaseName('charts/My_Chart'), 'my-chart');
    assert.equal(releaseName('/tmp/_x'), 'x');
    assert.equal(releaseName('/tmp/__'), 'release-name');
  });
});

describe('unrendered templates met as files', () => {
  test('a template that is not YAML: the message names the cause and the fix, not "bad indentation"', () => {
    const r = kshield(['scan', path.join('chart', 'templates'), '-o', 'json']);
    assert.equal(r.code, 2, r.stderr);
    const out = report(r);
    assert.deepEqual(out.errors, [
      {
        file: path.join('chart', 'templates', 'deployment.yaml'),
        line: 4,
        message:
          'contains Go template syntax ({{ ... }}), which is not YAML: this looks like an unrendered Helm/Go template; render it first (helm template NAME CHART | kshield scan -, or give kshield the chart directory to render)',
      },
    ]);
  });

  test('a template that parses (placeholders in quotes): objects named by a placeholder are not judged, one note per file', () => {
    const text = `apiVersion: v1
kind: Service
metadata:
  name: "{{ .Release.Name }}-web"
spec:
  type: NodePort
  ports:
  - port: "{{ .Values.port }}"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: "{{ .Release.Namespace }}"
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: alerts, namespace: monitoring}
spec:
  groups:
  - name: a
    rules:
    - alert: Down
      expr: up == 0
      annotations: {summary: "{{ $labels.instance }} is down"}
`;
    const r = kshield(['scan', '-', '-o', 'json', '--fail-on', 'none'], { input: text });
    assert.equal(r.code, 0, r.stderr);
    const out = report(r);
    // The Service's NodePort and its templated port are not reported: that Service does not exist yet.
    assert.deepEqual(out.findings.filter((f) => f.resource.kind !== 'PrometheusRule'), []);
    assert.deepEqual(out.errors, []);
    assert.deepEqual(out.notes, [
      {
        file: '<stdin>',
        line: 4,
        message:
          '2 objects named by a Go template placeholder (Service "{{ .Release.Name }}-web", …) not scanned: this looks like an unrendered Helm/Go template; render it first (helm template NAME CHART | kshield scan -, or give kshield the chart directory to render)',
      },
    ]);
    // A real object whose values hold template text (Prometheus alert annotations) is still scanned.
    assert.equal(out.summary.resources, 1);
  });

  test('renderer messages: kubectl\'s log prefix is taken off, quoted input is redacted to its length class, at most three lines', () => {
    assert.equal(
      firstLines('E1204 23:21:59.027278   23985 run.go:72] "command failed" err="accumulating resources: accumulating resources from \'x.yaml\': MalformedYAMLError: yaml: line 5"\n'),
      "accumulating resources: accumulating resources from 'x.yaml': MalformedYAMLError: yaml: line 5",
    );
    assert.match(firstLines('Error: cannot unmarshal !!str `hunter2` into int\n'), /^cannot unmarshal !!str `<redacted, fewer than 8 characters>` into int$/);
    assert.equal(firstLines('a\nb\n\nc\nd\n'), 'a / b / c / …');
  });
});
