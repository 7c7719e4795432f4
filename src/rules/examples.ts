/**
 * The builders every rule's examples use: each example is a complete manifest, and these only
 * save repeating its envelope. One set for every family, each with one signature, so a rule's
 * examples read the same whichever folder it sits in.
 *
 * Workload builders take the pod spec as YAML text (dedented, then nested in place) and options
 * for the envelope; the `...With...`/`...From...` builders take the parts the examples of a family
 * vary (container lines, ports, labels).
 */

/** Removes the common indentation of a template literal, so examples can be indented like the code around them. */
export function dedent(text: string): string {
  const lines = text.replace(/^\n/, '').replace(/\n\s*$/, '').split('\n');
  const widths = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length);
  const cut = widths.length ? Math.min(...widths) : 0;
  return lines.map((l) => l.slice(cut)).join('\n');
}

/** Dedents, then indents every non-blank line by `n` spaces, to nest a snippet inside a manifest. */
export function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  return dedent(text)
    .split('\n')
    .map((l) => (l.trim() === '' ? l : pad + l))
    .join('\n');
}

/** A pinned, non-latest image from a private registry: what a careful manifest names. */
export const IMAGE = 'registry.example.com/shop/web:1.4.2';

/** The envelope of a workload example: its name (default web), namespace (shop) and annotations (YAML, on the pod template). */
export interface EnvelopeOptions {
  name?: string;
  namespace?: string;
  annotations?: string;
}

function annotationBlock(annotations: string | undefined, n: number): string {
  return annotations ? `${' '.repeat(n)}annotations:\n${indent(annotations, n + 2)}\n` : '';
}

/** A Pod with `spec` as its spec. */
export function pod(spec: string, options: EnvelopeOptions = {}): string {
  const { name = 'web', namespace = 'shop' } = options;
  return `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n${annotationBlock(options.annotations, 2)}spec:\n${indent(spec, 2)}\n`;
}

/** A Deployment of two replicas whose pod template has `spec`, labelled app: <name>. */
export function deployment(spec: string, options: EnvelopeOptions = {}): string {
  const { name = 'web', namespace = 'shop' } = options;
  return (
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n  replicas: 2\n` +
    `  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n` +
    `${annotationBlock(options.annotations, 6)}    spec:\n${indent(spec, 6)}\n`
  );
}

/** A DaemonSet (default node-agent in monitoring) whose pod template has `spec`. */
export function daemonSet(spec: string, options: EnvelopeOptions = {}): string {
  const { name = 'node-agent', namespace = 'monitoring' } = options;
  return (
    `apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n` +
    `  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n` +
    `${annotationBlock(options.annotations, 6)}    spec:\n${indent(spec, 6)}\n`
  );
}

/** A ServiceAccount in shop; `extra` is appended as written (top-level fields such as automountServiceAccountToken). */
export function serviceAccount(name: string, extra = ''): string {
  return `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${name}\n  namespace: shop\n${extra}`;
}

/** A ConfigMap; `body` holds its data fields. */
export function configMap(body: string, name = 'api-settings'): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: shop\n${dedent(body)}\n`;
}

export function cronJob(spec: string): string {
  return (
    'apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly-report\n  namespace: shop\nspec:\n  schedule: "0 3 * * *"\n' +
    `  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n${indent(spec, 10)}\n`
  );
}

export function rollout(spec: string): string {
  return (
    'apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 3\n' +
    '  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n' +
    `    spec:\n${indent(spec, 6)}\n  strategy:\n    canary:\n      steps: [{setWeight: 20}, {pause: {duration: 60}}]\n`
  );
}

export function secret(body: string, name = 'api-credentials', type = 'Opaque'): string {
  return `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: shop\ntype: ${type}\n${dedent(body)}\n`;
}

export function podWithContainers(containerYaml: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers:
${containerYaml}`;
}

export function deploymentWithContainers(containerYaml: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
${containerYaml}`;
}

export const deploymentFromParts = (opts: { name?: string; replicas?: number | null; labels?: string; selector?: string; extraSpec?: string; podSpec?: string; container?: string; ns?: string } = {}) => {
  const name = opts.name ?? 'web';
  const labels = opts.labels ?? `{app: ${name}}`;
  const selector = opts.selector ?? `{matchLabels: ${labels}}`;
  const replicas = opts.replicas === null ? '' : `\n  replicas: ${opts.replicas ?? 3}`;
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${opts.ns ?? 'shop'}}
spec:${replicas}
  selector: ${selector}${opts.extraSpec ? '\n' + opts.extraSpec : ''}
  template:
    metadata: {labels: ${labels}}
    spec:${opts.podSpec ? '\n' + opts.podSpec : ''}
      containers:
      - name: ${name}
        image: registry.example.com/${name}:1.4.2${opts.container ? '\n' + opts.container : ''}`;
};

export const serviceSelecting = (name: string, selector: string, ports = '[{name: http, port: 80, targetPort: http}]', extra = '') => `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: shop}
spec:${extra ? '\n' + extra : ''}
  selector: ${selector}
  ports: ${ports}`;

export const cronJobWith = (extra: string, restart = 'OnFailure') => `apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: shop}
spec:
  schedule: "0 3 * * *"${extra ? '\n' + extra : ''}
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: ${restart}
          containers: [{name: report, image: registry.example.com/report:2.0.1}]`;

export const pdb = (spec: string, name = 'web') => `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: ${name}, namespace: shop}
spec:
${spec}`;

export const hpa = (target: string, min = 3, max = 10, kind = 'Deployment') => `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: ${target}, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: ${kind}, name: ${target}}
  minReplicas: ${min}
  maxReplicas: ${max}`;

export const deploymentWithPorts = (name: string, ports: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: shop}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: ${name}
        image: registry.example.com/shop/${name}:1.4.2
        ports: ${ports}`;

export const service = (name: string, specBody: string, metadataExtra = '') => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: shop${metadataExtra ? '\n' + metadataExtra : ''}
spec:
${specBody}`;

export const ingress = (body: string, metadataExtra = '') => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: shop${metadataExtra ? '\n' + metadataExtra : ''}
spec:
  ingressClassName: nginx
${body}`;

export const route = (host: string | undefined, service = 'storefront') => `  - ${host !== undefined ? `host: "${host}"\n    ` : ''}http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: ${service}, port: {name: http}}`;

export const labelledDeployment = (labels: string, podLabels = labels, namespace = 'shop') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${namespace}
  labels: ${labels}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: ${podLabels}
    spec:
      containers:
      - name: web
        image: nginx:1.27`;

// Example manifests.

/** Several manifests as one YAML stream. */
export const stream = (...docs: string[]): string => docs.join('\n---\n');
