/**
 * Fields of the wrong type outside pod specs: each is one input error at the offending field's
 * line (exit code 2), the value is never shown, and everything else in the input is still scanned.
 */
import { judgesDockerfiles } from '../src/rules/define.js';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HARDENED, INSECURE, kshield } from './support/cli.js';
import { loadPaths, loadText } from '../src/sources/files.js';
import { rules } from '../src/rules/index.js';

interface JsonReport {
  findings: { rule: string; line: number; resource: { kind: string; name: string } }[];
  errors: { file: string; line?: number; message: string }[];
}

/** A second document that must still be judged whatever the first one holds. */
const CANARY = `apiVersion: v1
kind: Pod
metadata: {name: canary, namespace: shop}
spec:
  containers:
    - name: app
      image: nginx:1.27
      securityContext: {privileged: true}
`;

interface Case {
  name: string;
  yaml: string;
  line: number;
  message: RegExp;
}

const RBAC = 'apiVersion: rbac.authorization.k8s.io/v1';

const CASES: Case[] = [
  {
    name: 'ClusterRole verbs as a string',
    yaml: `${RBAC}
kind: ClusterRole
metadata: {name: reader}
rules:
  - apiGroups: [""]
    resources: [secrets]
    verbs: "*"
`,
    line: 7,
    message: /^ClusterRole reader: rules\[0\]\.verbs must be a list of strings, but is a string$/,
  },
  {
    name: 'RoleBinding subjects as a string',
    yaml: `${RBAC}
kind: RoleBinding
metadata: {name: rb, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
subjects: "x"
`,
    line: 5,
    message: /^RoleBinding rb: subjects must be a list of mappings, but is a string$/,
  },
  {
    name: 'Role rules as a mapping',
    yaml: `${RBAC}
kind: Role
metadata: {name: r, namespace: shop}
rules: {}
`,
    line: 4,
    message: /^Role r: rules must be a list of mappings, but is a mapping$/,
  },
  {
    name: 'a subject that is a bare string',
    yaml: `${RBAC}
kind: ClusterRoleBinding
metadata: {name: crb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
  - alice
`,
    line: 6,
    message: /^ClusterRoleBinding crb: subjects\[0\] must be a mapping, but is a string$/,
  },
  {
    name: 'a User subject without a name',
    yaml: `${RBAC}
kind: ClusterRoleBinding
metadata: {name: crb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
  - kind: User
    apiGroup: rbac.authorization.k8s.io
`,
    line: 6,
    message: /^ClusterRoleBinding crb: subjects\[0\]\.name is missing: it must be a string$/,
  },
  {
    name: 'a subject of an unknown kind',
    yaml: `${RBAC}
kind: ClusterRoleBinding
metadata: {name: crb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
  - name: zorg
    kind: Martian
`,
    line: 7,
    message: /^ClusterRoleBinding crb: subjects\[0\]\.kind must be one of User, Group, ServiceAccount, but is another string$/,
  },
  {
    name: 'NetworkPolicy podSelector as a number',
    yaml: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: shop}
spec:
  podSelector: 5
`,
    line: 5,
    message: /^NetworkPolicy np: spec\.podSelector must be a mapping, but is a number$/,
  },
  {
    name: 'NetworkPolicy policyTypes as a string',
    yaml: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: shop}
spec:
  podSelector: {}
  policyTypes: "Ingress"
`,
    line: 6,
    message: /^NetworkPolicy np: spec\.policyTypes must be a list, but is a string$/,
  },
  {
    name: 'NetworkPolicy ports as a string',
    yaml: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
    - ports: "80"
`,
    line: 8,
    message: /^NetworkPolicy np: spec\.ingress\[0\]\.ports must be a list of mappings, but is a string$/,
  },
  {
    name: 'Service ports as a string',
    yaml: `apiVersion: v1
kind: Service
metadata: {name: redis, namespace: shop}
spec:
  selector: {app: redis}
  ports: "6379"
`,
    line: 6,
    message: /^Service redis: spec\.ports must be a list of mappings, but is a string$/,
  },
  {
    name: 'Secret stringData as a string',
    yaml: `apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
stringData: "Sup3rS3cretValue-ABC123"
`,
    line: 4,
    message: /^Secret db: stringData must be a mapping of strings, but is a string$/,
  },
  {
    name: 'Secret data as a scalar',
    yaml: `apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
data: 12345
`,
    line: 4,
    message: /^Secret db: data must be a mapping of strings, but is a number$/,
  },
  {
    name: 'env value as a list',
    yaml: `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          env:
            - name: PASSWORD
              value: [a, b]
`,
    line: 14,
    message: /^Deployment web: spec\.template\.spec\.containers\[0\]\.env\[0\]\.value must be a string, but is a list$/,
  },
  {
    name: 'env value as a mapping',
    yaml: `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  containers:
    - name: web
      image: nginx:1.27
      env:
        - name: A
          value: {a: b}
`,
    line: 10,
    message: /^Pod p: spec\.containers\[0\]\.env\[0\]\.value must be a string, but is a mapping$/,
  },
  {
    name: 'List items as a string',
    yaml: `apiVersion: v1
kind: List
items: "x"
`,
    line: 3,
    message: /^List: items must be a list, but is a string; nothing in it was scanned$/,
  },
  {
    name: 'kind as a number',
    yaml: `apiVersion: v1
kind: 5
metadata: {name: x}
`,
    line: 2,
    message: /^document 1: kind must be a string, but is a number; not scanned$/,
  },
  {
    name: 'apiVersion as a list',
    yaml: `apiVersion: [x]
kind: ConfigMap
metadata: {name: x}
`,
    line: 1,
    message: /^document 1: apiVersion must be a string, but is a list; not scanned$/,
  },
  {
    name: 'replicas as a word',
    yaml: `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: "three"
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx:1.27}]}
`,
    line: 5,
    message: /^Deployment web: spec\.replicas must be an integer, but is a string$/,
  },
  {
    name: 'container name as a number',
    yaml: `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  containers:
    - image: nginx:1.27
      name: 5
`,
    line: 7,
    message: /^Pod p: spec\.containers\[0\]\.name must be a string, but is a number$/,
  },
  {
    name: 'labels as a string',
    yaml: `apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
  namespace: shop
  labels: "x"
`,
    line: 6,
    message: /^ConfigMap cm: metadata\.labels must be a mapping of strings, but is a string$/,
  },
  {
    name: 'annotations as a string',
    yaml: `apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
  namespace: shop
  annotations: "x"
`,
    line: 6,
    message: /^ConfigMap cm: metadata\.annotations must be a mapping of strings, but is a string$/,
  },
  {
    name: 'an annotation value that is not a string',
    yaml: `apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
  namespace: shop
  annotations:
    example.com/retries: 3
`,
    line: 7,
    message: /^ConfigMap cm: metadata\.annotations\["example\.com\/retries"\] must be a string, but is a number$/,
  },
  {
    name: 'a CronJob jobTemplate that is not a mapping (once, not twice)',
    yaml: `apiVersion: batch/v1
kind: CronJob
metadata: {name: cj, namespace: shop}
spec:
  schedule: "@daily"
  jobTemplate: "x"
`,
    line: 6,
    message: /^CronJob cj: spec\.jobTemplate must be a mapping, but is a string$/,
  },
  {
    name: 'a Deployment template that is not a mapping (once, not twice)',
    yaml: `apiVersion: apps/v1
kind: Deployment
metadata: {name: dd, namespace: shop}
spec:
  template: 7
`,
    line: 5,
    message: /^Deployment dd: spec\.template must be a mapping, but is a number$/,
  },
  {
    name: 'HPA maxReplicas quoted',
    yaml: `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: "5"
`,
    line: 6,
    message: /^HorizontalPodAutoscaler web: spec\.maxReplicas must be an integer, but is a string \(remove the quotes\)$/,
  },
  {
    name: 'Ingress tls hosts as a string',
    yaml: `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  tls:
    - hosts: shop.example.com
      secretName: web-tls
`,
    line: 6,
    message: /^Ingress web: spec\.tls\[0\]\.hosts must be a list of strings, but is a string$/,
  },
];

function scan(input: string): { code: number | null; report: JsonReport; stderr: string; stdout: string } {
  const r = kshield(['scan', '-', '-o', 'json', '--fail-on', 'none'], input);
  return { code: r.code, report: JSON.parse(r.stdout) as JsonReport, stderr: r.stderr, stdout: r.stdout };
}

describe('wrong field types', () => {
  for (const c of CASES) {
    test(`${c.name}: one error at line ${c.line}, exit 2, the rest still scanned`, () => {
      const { code, report } = scan(`${c.yaml}---\n${CANARY}`);
      assert.equal(code, 2);
      assert.equal(report.errors.length, 1, report.errors.map((e) => e.message).join('\n'));
      const [error] = report.errors;
      assert.equal(error.file, '<stdin>');
      assert.equal(error.line, c.line, error.message);
      assert.match(error.message, c.message);
      assert.ok(
        report.findings.some((f) => f.rule === 'privileged-container' && f.resource.name === 'canary'),
        'the next document is still judged',
      );
    });
  }

  test('the object with a wrong-typed field is still judged on everything else', () => {
    const { code, report } = scan(`${RBAC}
kind: ClusterRoleBinding
metadata: {name: everyone}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
  - {kind: Martian, name: zorg}
  - {kind: Group, name: "system:authenticated", apiGroup: rbac.authorization.k8s.io}
`);
    assert.equal(code, 2);
    assert.equal(report.errors.length, 1);
    assert.ok(report.findings.some((f) => f.resource.name === 'everyone' && f.rule.startsWith('rbac-')), JSON.stringify(report.findings));
  });

  test('a wrong-typed secret value is never shown, in any output', () => {
    const secret = 'Sup3rS3cretValue-ABC123';
    const input = `apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
stringData: "${secret}"
---
apiVersion: v1
kind: Secret
metadata: {name: db2, namespace: shop}
data: ["${secret}"]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm, namespace: shop}
data: {password: ["${secret}"]}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  containers:
    - name: app
      image: nginx:1.27
      env: [{name: PASSWORD, value: ["${secret}"]}]
`;
    for (const format of ['table', 'json', 'sarif']) {
      const r = kshield(['scan', '-', '-o', format, '--fail-on', 'none'], input);
      assert.equal(r.code, 2, r.stderr);
      assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), `${format} output shows the value`);
    }
    const errors = loadText(input, 'x.yaml').errors;
    assert.equal(errors.length, 4, errors.map((e) => e.message).join('\n'));
    for (const e of errors) assert.ok(!e.message.includes(secret) && !e.message.includes('Sup3r'));
  });

  test('rbac who-can names the wrong type instead of silently finding nobody', () => {
    const r = kshield(['rbac', 'who-can', 'get', 'secrets', '-'], `${CASES[0].yaml}---
${RBAC}
kind: ClusterRoleBinding
metadata: {name: reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}
subjects: [{kind: Group, name: "system:authenticated", apiGroup: rbac.authorization.k8s.io}]
`);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /<stdin>:7: error: ClusterRole reader: rules\[0\]\.verbs must be a list of strings/);
  });

  test('label values that are not strings are invalid-label findings at the key, not a second report', () => {
    const { report } = scan(`apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
  namespace: shop
  labels:
    version: 2
`);
    assert.deepEqual(report.errors, []);
    assert.ok(report.findings.some((f) => f.rule === 'invalid-label' && f.line === 7));
  });

  test('an int-or-string field takes both; a quoted number in an integer field is an error', () => {
    const service = (port: string, targetPort: string) => `apiVersion: v1
kind: Service
metadata: {name: s, namespace: shop}
spec:
  ports: [{port: ${port}, targetPort: ${targetPort}}]
`;
    assert.deepEqual(loadText(service('80', 'http'), 's.yaml').errors, []);
    assert.deepEqual(loadText(service('80', '8080'), 's.yaml').errors, []);
    assert.deepEqual(
      loadText(service('"80"', '8080'), 's.yaml').errors.map((e) => e.message),
      ['Service s: spec.ports[0].port must be an integer, but is a string (remove the quotes)'],
    );
    assert.deepEqual(
      loadText(service('80', '[1]'), 's.yaml').errors.map((e) => e.message),
      ['Service s: spec.ports[0].targetPort must be an integer or a string, but is a list'],
    );
  });

  test('custom resources that reuse a built-in kind name are not judged by its table', () => {
    const knative = `apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: hello, namespace: shop}
spec:
  ports: "not a core Service field"
  template:
    spec:
      containers: [{image: nginx:1.27}]
`;
    assert.deepEqual(loadText(knative, 'k.yaml').errors, []);
  });
});

describe('no false positives', () => {
  test('the example shop, insecure and hardened, has no input errors', async () => {
    for (const dir of [INSECURE, HARDENED]) {
      const loaded = await loadPaths([dir]);
      assert.ok(loaded.resources.length > 10);
      assert.deepEqual(loaded.errors, [], dir);
    }
  });

  test('no rule example in the catalogue has a shape error', () => {
    const problems: string[] = [];
    let examples = 0;
    // Dockerfile rules' examples are Dockerfiles, not manifests: the rule tester loads them as such.
    for (const rule of rules.filter((r) => !judgesDockerfiles(r)))
      for (const [which, list] of [['valid', rule.examples.valid], ['invalid', rule.examples.invalid.map((e) => e.manifest)]] as const)
        list.forEach((yaml, i) => {
          examples++;
          for (const e of loadText(yaml, `${rule.id}-${which}-${i + 1}.yaml`).errors) problems.push(`${e.file}:${e.line}: ${e.message}`);
        });
    assert.ok(examples > 300, `only ${examples} examples`);
    assert.deepEqual(problems, []);
  });
});
