import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadText } from '../src/sources/files.js';
import { scanLoaded } from '../src/pipeline/scan-files.js';
import { renderJson, renderJsonChunks, toJsonReport } from '../src/report/json.js';
import { renderSarifChunks, toSarif } from '../src/report/sarif.js';

test('the JSON report written in pieces is exactly JSON.stringify of the report, across batch boundaries', () => {
  const pods: string[] = [];
  for (let i = 0; i < 700; i++) pods.push(`apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}, namespace: n}\nspec:\n  containers:\n  - {name: c, image: "nginx:1.27", securityContext: {privileged: true}}\n`);
  const result = scanLoaded(loadText(pods.join('---\n'), 'many.yaml'), { only: ['privileged-container'] });
  assert.equal(result.findings.length, 700);
  const pieces = [...renderJsonChunks(result)];
  assert.ok(pieces.length > 2, 'written in several pieces');
  assert.equal(pieces.join(''), JSON.stringify(toJsonReport(result), null, 2) + '\n');
  assert.equal(renderJson(result), pieces.join(''));
  assert.equal(JSON.parse(renderJson(result)).findings.length, 700);
});

test('the hand-written finding layout matches JSON.stringify for every field shape', () => {
  const yaml = `apiVersion: v1
kind: Pod
metadata:
  name: "we\\"ird\\u00e9-\\u2028name"
  namespace: n
  annotations: {kshield.io/ignore: privileged-container, kshield.io/ignore-reason: "tab\\there"}
spec:
  containers:
  - {name: "c\\\\1", image: "nginx:latest", securityContext: {privileged: true}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: everything}
rules:
- {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}
---
apiVersion: v1
kind: Service
metadata: {name: open, namespace: n}
spec: {type: NodePort, ports: [{port: 80}]}
`;
  const config = { exemptions: [{ rules: ['image-tag-latest'], reason: 'legacy', owner: 'team "a"' }] };
  const result = scanLoaded(loadText(yaml, 'odd "file".yaml'), { config });
  const kinds = new Set(result.findings.map((f) => f.suppression?.kind ?? 'none'));
  assert.ok(kinds.has('annotation') && kinds.has('exemption') && kinds.has('none'), [...kinds].join());
  assert.ok(result.findings.some((f) => f.resource.namespace === undefined));
  assert.ok(result.findings.some((f) => f.container === undefined) && result.findings.some((f) => f.container !== undefined));
  assert.equal([...renderJsonChunks(result)].join(''), JSON.stringify(toJsonReport(result), null, 2) + '\n');
});

test('the SARIF log written in pieces is exactly JSON.stringify of the log, with folded and suppressed results', () => {
  const pods: string[] = [];
  for (let i = 0; i < 600; i++) pods.push(`apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}, namespace: n${i % 3 === 0 ? ', annotations: {kshield.io/ignore: privileged-container}' : ''}}\nspec:\n  hostNetwork: true\n  containers:\n  - {name: c, image: "nginx:1.27", securityContext: {privileged: true}}\n`);
  const result = scanLoaded(loadText(pods.join('---\n'), 'dir/many "pods".yaml'));
  assert.ok(result.findings.length > 600);
  assert.ok(result.findings.some((f) => f.suppressed) && result.findings.some((f) => (f.related ?? []).length > 0));
  const pieces = [...renderSarifChunks(result)];
  assert.ok(pieces.length > 2, 'written in several pieces');
  assert.equal(pieces.join(''), JSON.stringify(toSarif(result), null, 2) + '\n');
  assert.equal(JSON.parse(pieces.join('')).runs[0].results.length, result.findings.length);
  const none = scanLoaded(loadText('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: n}\n', 'c.yaml'));
  assert.equal([...renderSarifChunks(none)].join(''), JSON.stringify(toSarif(none), null, 2) + '\n');
});
