/**
 * The benchmark corpus: a deterministic, offline stand-in for a real repository of rendered
 * manifests. Each "release" is one application as a helm chart renders it (workloads with
 * their Services, ConfigMaps, Secrets, RBAC, autoscaling, policies, custom resources), laid
 * out the ways real repositories hold them: `helm template` output, one file per object,
 * `kubectl get -o yaml` Lists with server fields, JSON, and umbrella files of several releases.
 *
 * Run directly (`node dist/bench/corpus.js [dir]`) to (re)generate and print the totals.
 */
import { promises as fs, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from './rng.js';
import { Emitter, type Style, type Y, type YMap } from './yaml-emit.js';

/** Bump whenever the output changes: a corpus with another stamp is regenerated. */
export const GENERATOR_VERSION = 5;
const SEED = 0x6b736864;
const TARGET_RESOURCES = 31_600;
const STAMP = 'STAMP';

export interface CorpusInfo {
  dir: string;
  version: number;
  files: number;
  bytes: number;
  documents: number;
  /** Kubernetes objects as a scanner counts them: List items count one each. */
  resources: number;
  kinds: Record<string, number>;
  layouts: Record<string, number>;
  /** false when an existing corpus with the same generator version was reused. */
  generated: boolean;
}

export function repoRoot(): string {
  // dist/bench/corpus.js -> repository root
  return fileURLToPath(new URL('../..', import.meta.url));
}

export function defaultCorpusDir(): string {
  return process.env.BENCH_CORPUS ? path.resolve(process.env.BENCH_CORPUS) : path.join(repoRoot(), 'bench', '.corpus');
}

const MANIFEST = /\.(ya?ml|json)$/i;

/** Manifest files below `dir`, sorted, the way a scanner walks a directory. */
export function listManifestFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    const entries = readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile() && MANIFEST.test(e.name)) out.push(full);
    }
  };
  walk(dir);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

const APPS = [
  'api', 'web', 'frontend', 'backend', 'worker', 'gateway', 'auth', 'payments', 'orders', 'inventory', 'search',
  'catalog', 'checkout', 'cart', 'notifications', 'email', 'billing', 'reporting', 'analytics', 'ingest', 'scheduler',
  'recommendations', 'profile', 'session', 'media', 'thumbnailer', 'pricing', 'shipping', 'ledger', 'audit',
  'webhooks', 'graphql', 'admin', 'portal', 'docs', 'status', 'feature-flags', 'geo', 'chat', 'tracker',
];
const CHARTS = [
  ['redis', '7.2.4'], ['postgresql', '16.2.0'], ['kafka', '3.6.1'], ['zookeeper', '3.9.1'], ['elasticsearch', '8.12.2'],
  ['grafana', '10.4.1'], ['prometheus', '2.51.0'], ['loki', '2.9.6'], ['ingress-nginx', '1.10.0'], ['cert-manager', '1.14.4'],
  ['external-dns', '0.14.1'], ['vault', '1.15.6'], ['consul', '1.18.1'], ['jaeger', '1.55.0'], ['fluent-bit', '2.2.2'],
  ['argo-cd', '2.10.5'], ['keycloak', '24.0.2'], ['rabbitmq', '3.13.0'], ['minio', '2024.3.15'], ['mongodb', '7.0.7'],
  ['mysql', '8.3.0'], ['memcached', '1.6.24'], ['sentry', '24.3.0'], ['airflow', '2.8.4'], ['harbor', '2.10.1'],
  ['velero', '1.13.1'], ['kube-state-metrics', '2.11.0'], ['node-exporter', '1.7.0'], ['metrics-server', '0.7.1'],
  ['opentelemetry-collector', '0.97.0'], ['nats', '2.10.12'], ['clickhouse', '24.3.1'], ['thanos', '0.34.1'],
] as const;
const TEAMS = ['platform', 'payments', 'growth', 'data', 'identity', 'search', 'core', 'mobile', 'infra', 'observability', 'commerce', 'ml'];
const ENVS = ['prod', 'staging', 'dev', 'qa'];
const CLUSTERS = ['eu-west-1-prod', 'us-east-1-prod', 'eu-central-1-staging', 'dev-shared', 'ap-southeast-2-prod'];
const REGISTRIES = [
  ['', 6], ['docker.io/', 3], ['quay.io/', 2], ['gcr.io/acme-prod/', 3], ['ghcr.io/acme/', 3],
  ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/', 4], ['registry.k8s.io/', 1], ['registry.gitlab.com/acme/', 1],
] as const;
const BASE_IMAGES = ['nginx', 'busybox', 'alpine', 'envoyproxy/envoy', 'bitnami/kubectl', 'curlimages/curl', 'istio/proxyv2', 'fluent/fluent-bit', 'otel/opentelemetry-collector', 'prom/statsd-exporter'];
const ENV_NAMES = [
  'LOG_LEVEL', 'PORT', 'DATABASE_URL', 'DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER', 'DB_PASSWORD', 'REDIS_HOST', 'REDIS_PORT',
  'KAFKA_BROKERS', 'JAVA_OPTS', 'NODE_ENV', 'GOMAXPROCS', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_SERVICE_NAME', 'SENTRY_DSN',
  'FEATURE_FLAGS', 'CACHE_TTL', 'HTTP_TIMEOUT', 'WORKERS', 'MAX_CONNECTIONS', 'AWS_REGION', 'S3_BUCKET', 'API_KEY',
  'JWT_SECRET', 'SMTP_HOST', 'TZ', 'LANG', 'SPRING_PROFILES_ACTIVE', 'PYTHONUNBUFFERED', 'RUST_LOG', 'METRICS_ENABLED',
];
const WORDS = [
  'the', 'resource', 'field', 'value', 'specifies', 'name', 'of', 'a', 'controller', 'is', 'used', 'when', 'set', 'to',
  'for', 'and', 'pod', 'must', 'be', 'optional', 'default', 'if', 'not', 'configuration', 'endpoint', 'secret', 'key',
  'reference', 'selector', 'labels', 'this', 'object', 'that', 'will', 'in', 'namespace', 'list', 'status', 'condition',
  'time', 'last', 'observed', 'generation', 'policy', 'template', 'duration', 'number', 'replicas', 'certificate',
];

// ---------------------------------------------------------------------------------------------
// Releases

interface Release {
  name: string;
  app: string;
  chart: string;
  chartVersion: string;
  appVersion: string;
  namespace: string;
  team: string;
  env: string;
  cluster: string;
  /** Rendered by helm (labels and `# Source:` comments) rather than by kustomize or by hand. */
  helm: boolean;
  /** Quality of the chart: hardened charts set securityContexts, resources and probes. */
  hardened: number;
  /** Which copy of the corpus (see `generate`): 0 for the corpus itself. */
  replica: number;
}

interface Rendered {
  template: string;
  obj: YMap;
}

function sentence(r: Rng, min: number, max: number): string {
  const n = r.int(min, max);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(r.pick(WORDS));
  const s = words.join(' ');
  return s[0].toUpperCase() + s.slice(1) + '.';
}

function labels(rel: Release, component?: string): YMap {
  if (!rel.helm)
    return { app: rel.name, ...(component ? { component } : {}), team: rel.team, env: rel.env };
  return {
    'helm.sh/chart': `${rel.chart}-${rel.chartVersion}`,
    'app.kubernetes.io/name': rel.chart,
    'app.kubernetes.io/instance': rel.name,
    ...(component ? { 'app.kubernetes.io/component': component } : {}),
    'app.kubernetes.io/version': rel.appVersion,
    'app.kubernetes.io/managed-by': 'Helm',
  };
}

function selector(rel: Release, component?: string): YMap {
  if (!rel.helm) return { app: rel.name, ...(component ? { component } : {}) };
  return { 'app.kubernetes.io/name': rel.chart, 'app.kubernetes.io/instance': rel.name, ...(component ? { 'app.kubernetes.io/component': component } : {}) };
}

function meta(r: Rng, rel: Release, name: string, component?: string, extra: YMap = {}): YMap {
  const m: YMap = { name, namespace: rel.namespace, labels: labels(rel, component) };
  if (r.chance(0.3)) m.annotations = { 'meta.helm.sh/release-name': rel.name, 'meta.helm.sh/release-namespace': rel.namespace, ...extra };
  else if (Object.keys(extra).length > 0) m.annotations = extra;
  return m;
}

function image(r: Rng, repo: string, version: string): string {
  const registry = r.weighted(REGISTRIES);
  const tag = r.weighted<string | null>([[version, 70], [`v${version}`, 10], ['latest', 5], [null, 4], ['@digest', 8], [`${version}-${r.hex(7)}`, 6]]);
  if (tag === null) return registry + repo;
  if (tag === '@digest') return `${registry}${repo}@sha256:${r.hex(64)}`;
  return `${registry}${repo}:${tag}`;
}

function quantity(r: Rng, kind: 'cpu' | 'memory'): Y {
  if (kind === 'cpu') return r.weighted<Y>([[`${r.pick([10, 25, 50, 100, 200, 250, 500, 750])}m`, 70], [r.pick([1, 2, 4]), 15], [String(r.pick([0.5, 1, 2])), 15]]);
  return r.weighted<Y>([[`${r.pick([32, 64, 128, 256, 384, 512, 768])}Mi`, 70], [`${r.pick([1, 2, 4, 8])}Gi`, 25], [`${r.pick([128, 256, 512])}M`, 5]]);
}

function resources(r: Rng, rel: Release): Y | undefined {
  const x = r.next();
  if (x < 0.15 * (1 - rel.hardened)) return undefined;
  if (x < 0.3 * (1 - rel.hardened) + 0.05) return {};
  const res: YMap = { requests: { cpu: quantity(r, 'cpu'), memory: quantity(r, 'memory') } };
  if (r.chance(0.35 + rel.hardened * 0.5)) res.limits = r.chance(0.6) ? { cpu: quantity(r, 'cpu'), memory: quantity(r, 'memory') } : { memory: quantity(r, 'memory') };
  if (r.chance(0.5)) return { limits: res.limits, requests: res.requests };
  return res;
}

function probe(r: Rng, port: number | string): YMap {
  const handler = r.weighted<YMap>([
    [{ httpGet: { path: r.pick(['/healthz', '/health', '/ready', '/livez', '/readyz', '/actuator/health', '/ping', '/']), port, ...(r.chance(0.2) ? { scheme: 'HTTP' } : {}) } }, 65],
    [{ tcpSocket: { port } }, 20],
    [{ exec: { command: r.pick([['sh', '-c', 'redis-cli ping'], ['pg_isready', '-U', 'postgres'], ['/bin/grpc_health_probe', `-addr=:${port}`], ['cat', '/tmp/healthy']]) } }, 10],
    [{ grpc: { port: typeof port === 'number' ? port : 9090 } }, 5],
  ]);
  const p: YMap = { ...handler };
  if (r.chance(0.7)) p.initialDelaySeconds = r.pick([0, 5, 10, 15, 30, 60]);
  if (r.chance(0.7)) p.periodSeconds = r.pick([5, 10, 15, 20, 30]);
  if (r.chance(0.5)) p.timeoutSeconds = r.pick([1, 2, 3, 5]);
  if (r.chance(0.4)) p.failureThreshold = r.pick([3, 5, 6, 10, 30]);
  if (r.chance(0.2)) p.successThreshold = 1;
  return p;
}

function envList(r: Rng, rel: Release, n: number): YMap[] {
  const names = r.sample(ENV_NAMES, n);
  return names.map((name): YMap => {
    const kind = r.next();
    if (kind < 0.12 && /PASSWORD|SECRET|KEY|DSN|URL/.test(name)) return { name, valueFrom: { secretKeyRef: { name: `${rel.name}-secret`, key: name.toLowerCase().replace(/_/g, '-'), ...(r.chance(0.2) ? { optional: true } : {}) } } };
    if (kind < 0.2) return { name, valueFrom: { configMapKeyRef: { name: `${rel.name}-config`, key: name.toLowerCase() } } };
    if (kind < 0.25) return { name, valueFrom: { fieldRef: { fieldPath: r.pick(['metadata.namespace', 'metadata.name', 'status.podIP', 'spec.nodeName']) } } };
    if (kind < 0.27) return { name, valueFrom: { resourceFieldRef: { resource: r.pick(['limits.cpu', 'limits.memory']), divisor: r.pick(['1', '1Mi']) } } };
    let value: string;
    switch (name) {
      case 'PORT': case 'DB_PORT': case 'REDIS_PORT': value = String(r.pick([8080, 5432, 6379, 3000, 9000])); break;
      case 'LOG_LEVEL': case 'RUST_LOG': value = r.pick(['info', 'debug', 'warn', 'error', 'INFO']); break;
      case 'JAVA_OPTS': value = `-Xms${r.pick([256, 512])}m -Xmx${r.pick([512, 1024, 2048])}m -XX:+UseG1GC -XX:MaxGCPauseMillis=200`; break;
      case 'DATABASE_URL': value = `postgres://${rel.app}@${rel.name}-postgresql.${rel.namespace}.svc.cluster.local:5432/${rel.app}?sslmode=require`; break;
      case 'METRICS_ENABLED': case 'PYTHONUNBUFFERED': value = r.pick(['true', 'false', '1']); break;
      case 'TZ': value = r.pick(['UTC', 'Europe/Berlin', 'America/New_York']); break;
      case 'DB_PASSWORD': case 'API_KEY': case 'JWT_SECRET': value = r.chance(0.5) ? r.alnum(24) : `\${${name}}`; break;
      default: value = r.weighted([[`${rel.name}-${name.toLowerCase().replace(/_/g, '-')}`, 4], [String(r.int(1, 600)), 2], [`http://${rel.name}.${rel.namespace}:${r.pick([80, 8080, 4317])}`, 2], [sentence(r, 1, 3), 1]]);
    }
    return { name, value };
  });
}

function containerSecurityContext(r: Rng, rel: Release): YMap | undefined {
  const x = r.next();
  if (x < 0.45 * (1 - rel.hardened)) return undefined;
  if (x < 0.5 * (1 - rel.hardened)) return {};
  if (r.chance(0.04)) return r.pick<YMap>([{ privileged: true }, { privileged: true, runAsUser: 0 }, { capabilities: { add: ['NET_ADMIN', 'SYS_ADMIN'] } }, { allowPrivilegeEscalation: true, runAsUser: 0 }]);
  const sc: YMap = {};
  if (r.chance(0.3 + 0.6 * rel.hardened)) sc.allowPrivilegeEscalation = false;
  if (r.chance(0.25 + 0.7 * rel.hardened)) sc.capabilities = r.chance(0.85) ? { drop: ['ALL'] } : { drop: ['ALL'], add: ['NET_BIND_SERVICE'] };
  if (r.chance(0.2 + 0.7 * rel.hardened)) sc.readOnlyRootFilesystem = r.chance(0.9);
  if (r.chance(0.3 + 0.6 * rel.hardened)) sc.runAsNonRoot = true;
  if (r.chance(0.4)) sc.runAsUser = r.pick([1000, 1001, 65532, 65534, 10001, 101]);
  if (r.chance(0.3)) sc.runAsGroup = r.pick([1000, 1001, 65532, 3000]);
  if (r.chance(0.15 + 0.6 * rel.hardened)) sc.seccompProfile = { type: r.weighted([['RuntimeDefault', 9], ['Localhost', 1]]), ...(r.chance(0.1) ? { localhostProfile: 'profiles/audit.json' } : {}) };
  return sc;
}

interface ContainerOptions {
  role: 'main' | 'sidecar' | 'init' | 'job';
  repo: string;
  version: string;
  port?: number;
  mounts: YMap[];
}

function container(r: Rng, rel: Release, name: string, o: ContainerOptions): YMap {
  const c: YMap = { name, image: image(r, o.repo, o.version) };
  if (r.chance(0.6)) c.imagePullPolicy = r.weighted([['IfNotPresent', 7], ['Always', 3], ['Never', 0.1]]);
  if (o.role !== 'main' || r.chance(0.3)) {
    if (r.chance(0.5)) c.command = r.weighted<Y>([[['/bin/sh', '-c'], 4], [[`/usr/local/bin/${rel.app}`], 3], [['python', '-m', rel.app.replace(/-/g, '_')], 1], [['java', '-jar', '/app/app.jar'], 1]]);
    if (r.chance(0.6)) {
      c.args = r.chance(0.4)
        ? [`set -e\necho "starting ${name}"\nexec /app/${rel.app} --config /etc/${rel.app}/config.yaml --port ${o.port ?? 8080}\n`]
        : [`--port=${o.port ?? 8080}`, `--log-level=${r.pick(['info', 'debug'])}`, ...(r.chance(0.5) ? ['--metrics', `--namespace=${rel.namespace}`] : [])];
    }
  }
  if (o.port !== undefined && (o.role === 'main' || r.chance(0.4))) {
    c.ports = [{ name: r.pick(['http', 'web', 'grpc', 'api']), containerPort: o.port, protocol: 'TCP' }];
    if (r.chance(0.4)) (c.ports as YMap[]).push({ name: 'metrics', containerPort: r.pick([9090, 9100, 8081, 9102]), protocol: 'TCP' });
    if (r.chance(0.02)) ((c.ports as YMap[])[0] as YMap).hostPort = o.port;
  }
  if (r.chance(o.role === 'main' ? 0.75 : 0.35)) c.env = envList(r, rel, r.weighted([[r.int(1, 5), 5], [r.int(6, 15), 4], [r.int(16, 30), 1]]));
  if (r.chance(0.2)) c.envFrom = [{ configMapRef: { name: `${rel.name}-config` } }, ...(r.chance(0.5) ? [{ secretRef: { name: `${rel.name}-secret` } }] : [])];
  const res = resources(r, rel);
  if (res !== undefined) c.resources = res;
  if (o.role === 'main' && o.port !== undefined && r.chance(0.35 + 0.55 * rel.hardened)) {
    c.livenessProbe = probe(r, r.chance(0.6) ? o.port : 'http');
    c.readinessProbe = probe(r, r.chance(0.6) ? o.port : 'http');
    if (r.chance(0.15)) c.startupProbe = probe(r, o.port);
  } else if (o.role === 'sidecar' && r.chance(0.3)) c.readinessProbe = probe(r, o.port ?? 15021);
  if (o.mounts.length > 0 && r.chance(0.85)) c.volumeMounts = r.sample(o.mounts, r.int(1, o.mounts.length));
  const sc = containerSecurityContext(r, rel);
  if (sc !== undefined) c.securityContext = sc;
  if (o.role === 'main' && r.chance(0.1)) c.lifecycle = { preStop: { exec: { command: ['/bin/sh', '-c', `sleep ${r.pick([5, 10, 15])}`] } } };
  if (r.chance(0.08)) {
    c.terminationMessagePath = '/dev/termination-log';
    c.terminationMessagePolicy = 'File';
  }
  if (r.chance(0.05)) c.workingDir = `/srv/${rel.app}`;
  if (r.chance(0.03)) {
    c.stdin = true;
    c.tty = true;
  }
  return c;
}

function volumes(r: Rng, rel: Release): { volumes: YMap[]; mounts: YMap[] } {
  const vols: YMap[] = [];
  const mounts: YMap[] = [];
  const add = (v: YMap, mountPath: string, readOnly?: boolean, subPath?: string): void => {
    vols.push(v);
    mounts.push({ name: v.name as string, mountPath, ...(readOnly ? { readOnly: true } : {}), ...(subPath ? { subPath } : {}) });
  };
  if (r.chance(0.5)) add({ name: 'config', configMap: { name: `${rel.name}-config`, ...(r.chance(0.3) ? { defaultMode: 420 } : {}), ...(r.chance(0.2) ? { items: [{ key: 'config.yaml', path: 'config.yaml' }] } : {}) } }, `/etc/${rel.app}`, r.chance(0.5));
  if (r.chance(0.3)) add({ name: 'secrets', secret: { secretName: `${rel.name}-secret`, ...(r.chance(0.3) ? { defaultMode: 256 } : {}) } }, '/var/run/secrets/app', true);
  if (r.chance(0.45)) add({ name: 'tmp', emptyDir: r.chance(0.3) ? { sizeLimit: '100Mi' } : r.chance(0.2) ? { medium: 'Memory' } : {} }, '/tmp');
  if (r.chance(0.06)) add({ name: r.pick(['docker-sock', 'host-logs', 'host-root', 'proc']), hostPath: { path: r.pick(['/var/run/docker.sock', '/var/log', '/', '/proc']), ...(r.chance(0.5) ? { type: r.pick(['Directory', 'Socket', '']) } : {}) } }, r.pick(['/host/var/run/docker.sock', '/host/logs', '/host', '/host/proc']), r.chance(0.5));
  if (r.chance(0.1)) add({ name: 'data', persistentVolumeClaim: { claimName: `${rel.name}-data` } }, '/data');
  if (r.chance(0.08)) add({ name: 'kube-api-access', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }, { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }, { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }] } }] } }, '/var/run/secrets/kubernetes.io/serviceaccount', true);
  return { volumes: vols, mounts };
}

function podSpec(r: Rng, rel: Release, component: string, o: { restart?: string; repo: string; version: string; port?: number; daemon?: boolean }): YMap {
  const { volumes: vols, mounts } = volumes(r, rel);
  const spec: YMap = {};
  if (r.chance(0.75)) spec.serviceAccountName = r.chance(0.8) ? rel.name : 'default';
  if (r.chance(0.15 + 0.3 * rel.hardened)) spec.automountServiceAccountToken = false;
  if (o.restart) spec.restartPolicy = o.restart;
  if (r.chance(0.45 + 0.4 * rel.hardened)) {
    const psc: YMap = {};
    if (r.chance(0.6)) psc.runAsNonRoot = r.chance(0.97);
    if (r.chance(0.6)) psc.runAsUser = r.pick([1000, 1001, 65532, 999, 0]);
    if (r.chance(0.5)) psc.fsGroup = r.pick([1000, 1001, 2000, 65532]);
    if (r.chance(0.3 + 0.4 * rel.hardened)) psc.seccompProfile = { type: 'RuntimeDefault' };
    if (r.chance(0.05)) psc.sysctls = [{ name: 'net.core.somaxconn', value: '1024' }];
    if (r.chance(0.1)) psc.supplementalGroups = [r.pick([1000, 2000])];
    spec.securityContext = psc;
  }
  if (o.daemon ? r.chance(0.35) : r.chance(0.015)) spec.hostNetwork = true;
  if (o.daemon ? r.chance(0.15) : r.chance(0.008)) spec.hostPID = true;
  if (r.chance(0.005)) spec.hostIPC = true;
  if (r.chance(0.25)) {
    spec.initContainers = [container(r, rel, r.pick(['init-db', 'wait-for-deps', 'migrate', 'init-config', 'fix-permissions']), { role: 'init', repo: r.chance(0.5) ? 'busybox' : `${rel.team}/${rel.app}`, version: r.chance(0.5) ? '1.36' : rel.appVersion, mounts })];
  }
  const containers = [container(r, rel, r.chance(0.7) ? rel.app : component, { role: 'main', repo: `${rel.team}/${rel.app}`, version: rel.appVersion, port: o.port, mounts })];
  const sidecars = r.weighted([[0, 70], [1, 24], [2, 6]]);
  for (let i = 0; i < sidecars; i++) containers.push(container(r, rel, r.pick(['istio-proxy', 'envoy', 'log-shipper', 'metrics-exporter', 'oauth2-proxy', 'cloudsql-proxy', 'vault-agent']) + (i ? `-${i}` : ''), { role: 'sidecar', repo: r.pick(BASE_IMAGES), version: `${r.int(1, 3)}.${r.int(0, 30)}.${r.int(0, 9)}`, port: r.chance(0.5) ? r.pick([15090, 9102, 4180]) : undefined, mounts }));
  spec.containers = containers;
  if (vols.length > 0) spec.volumes = vols;
  if (r.chance(0.3)) spec.nodeSelector = r.chance(0.7) ? { 'kubernetes.io/os': 'linux' } : { 'node.kubernetes.io/instance-type': r.pick(['m5.large', 'c6i.xlarge']), 'topology.kubernetes.io/zone': r.pick(['eu-west-1a', 'us-east-1b']) };
  if (r.chance(0.2) || o.daemon) spec.tolerations = o.daemon ? [{ operator: 'Exists' }] : [{ key: r.pick(['dedicated', 'workload', 'spot']), operator: 'Equal', value: rel.team, effect: 'NoSchedule' }];
  if (r.chance(0.2)) {
    spec.affinity = {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: selector(rel, component) }, topologyKey: 'kubernetes.io/hostname' } }],
      },
    };
  }
  if (r.chance(0.1)) spec.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector(rel, component) } }];
  if (r.chance(0.2)) spec.terminationGracePeriodSeconds = r.pick([10, 30, 60, 120]);
  if (r.chance(0.1)) spec.priorityClassName = r.pick(['high-priority', 'system-cluster-critical', 'batch-low']);
  if (r.chance(0.1)) spec.dnsPolicy = r.pick(['ClusterFirst', 'ClusterFirstWithHostNet']);
  if (r.chance(0.12)) spec.imagePullSecrets = [{ name: r.pick(['regcred', 'ecr-pull', 'ghcr']) }];
  if (r.chance(0.03)) spec.shareProcessNamespace = true;
  return spec;
}

function podTemplate(r: Rng, rel: Release, component: string, o: Parameters<typeof podSpec>[3]): YMap {
  const m: YMap = { labels: { ...selector(rel, component), ...(rel.helm && r.chance(0.5) ? { 'app.kubernetes.io/version': rel.appVersion } : {}) } };
  if (r.chance(0.5)) {
    const a: YMap = {};
    if (r.chance(0.6)) a['checksum/config'] = r.hex(64);
    if (r.chance(0.4)) {
      a['prometheus.io/scrape'] = 'true';
      a['prometheus.io/port'] = String(r.pick([9090, 8080, 9102]));
    }
    if (r.chance(0.15)) a['container.apparmor.security.beta.kubernetes.io/' + rel.app] = r.pick(['runtime/default', 'unconfined']);
    if (r.chance(0.15)) a['sidecar.istio.io/inject'] = r.pick(['true', 'false']);
    if (r.chance(0.1)) a['kshield.io/ignore'] = r.pick(['image-tag-latest', 'run-as-non-root']);
    m.annotations = a;
  }
  return { metadata: m, spec: podSpec(r, rel, component, o) };
}

const PORTS = [8080, 80, 3000, 8000, 9000, 5000, 8443, 6379, 5432, 9092, 27017, 3306, 8081];

function workload(r: Rng, rel: Release, kind: string, component: string): Rendered[] {
  const port = r.pick(PORTS);
  const out: Rendered[] = [];
  const name = component === 'main' ? rel.name : `${rel.name}-${component}`;
  const tpl = podTemplate(r, rel, component, { repo: `${rel.team}/${rel.app}`, version: rel.appVersion, port, daemon: kind === 'DaemonSet' });
  let obj: YMap;
  switch (kind) {
    case 'Deployment':
      obj = { apiVersion: 'apps/v1', kind, metadata: meta(r, rel, name, component), spec: { replicas: r.pick([1, 1, 2, 3, 3, 5, 10]), ...(r.chance(0.3) ? { revisionHistoryLimit: r.pick([3, 5, 10]) } : {}), selector: { matchLabels: selector(rel, component) }, ...(r.chance(0.3) ? { strategy: r.chance(0.8) ? { type: 'RollingUpdate', rollingUpdate: { maxSurge: r.pick(['25%', 1]), maxUnavailable: r.pick(['25%', 0]) } } : { type: 'Recreate' } } : {}), template: tpl } };
      break;
    case 'StatefulSet':
      obj = { apiVersion: 'apps/v1', kind, metadata: meta(r, rel, name, component), spec: { serviceName: `${name}-headless`, replicas: r.pick([1, 3, 3, 5]), ...(r.chance(0.4) ? { podManagementPolicy: r.pick(['OrderedReady', 'Parallel']) } : {}), selector: { matchLabels: selector(rel, component) }, ...(r.chance(0.3) ? { updateStrategy: { type: 'RollingUpdate' } } : {}), template: tpl, volumeClaimTemplates: [{ metadata: { name: 'data', ...(r.chance(0.3) ? { labels: selector(rel, component) } : {}) }, spec: { accessModes: ['ReadWriteOnce'], ...(r.chance(0.5) ? { storageClassName: r.pick(['gp3', 'standard', 'premium-rwo']) } : {}), resources: { requests: { storage: r.pick(['1Gi', '8Gi', '20Gi', '100Gi']) } } } }] } };
      break;
    case 'DaemonSet':
      obj = { apiVersion: 'apps/v1', kind, metadata: meta(r, rel, name, component), spec: { selector: { matchLabels: selector(rel, component) }, ...(r.chance(0.4) ? { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } } } : {}), template: tpl } };
      break;
    case 'Rollout':
      obj = { apiVersion: 'argoproj.io/v1alpha1', kind, metadata: meta(r, rel, name, component), spec: { replicas: r.pick([2, 3, 5]), revisionHistoryLimit: 3, selector: { matchLabels: selector(rel, component) }, template: tpl, strategy: r.chance(0.5) ? { canary: { canaryService: `${name}-canary`, stableService: name, steps: [{ setWeight: 10 }, { pause: { duration: '5m' } }, { setWeight: 50 }, { pause: {} }] } } : { blueGreen: { activeService: name, previewService: `${name}-preview`, autoPromotionEnabled: false } } } };
      break;
    default: {
      // Knative Service: the pod spec sits at spec.template.spec without a selector.
      obj = { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: meta(r, rel, name, component), spec: { template: { metadata: { annotations: { 'autoscaling.knative.dev/minScale': String(r.pick([0, 1, 2])), 'autoscaling.knative.dev/maxScale': String(r.pick([10, 20, 100])) } }, spec: { containerConcurrency: r.pick([0, 10, 50]), ...(tpl.spec as YMap) } }, ...(r.chance(0.4) ? { traffic: [{ latestRevision: true, percent: 100 }] } : {}) } };
      out.push({ template: 'ksvc.yaml', obj });
      return out;
    }
  }
  out.push({ template: `${kind.toLowerCase()}${component === 'main' ? '' : '-' + component}.yaml`, obj });
  if (kind !== 'DaemonSet') {
    out.push({ template: 'service.yaml', obj: service(r, rel, name, component, port) });
    if (kind === 'StatefulSet') out.push({ template: 'service-headless.yaml', obj: { ...service(r, rel, `${name}-headless`, component, port), spec: { clusterIP: 'None', ...(r.chance(0.5) ? { publishNotReadyAddresses: true } : {}), ports: [{ name: 'tcp', port, targetPort: port }], selector: selector(rel, component) } } });
    if (kind === 'Rollout') out.push({ template: 'service-canary.yaml', obj: service(r, rel, `${name}-${r.chance(0.5) ? 'canary' : 'preview'}`, component, port) });
  }
  if (kind === 'Deployment' || kind === 'Rollout') {
    if (r.chance(0.35)) out.push({ template: 'hpa.yaml', obj: hpa(r, rel, name, kind) });
    if (r.chance(0.35 + 0.3 * rel.hardened)) out.push({ template: 'pdb.yaml', obj: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta(r, rel, name, component), spec: { ...(r.chance(0.6) ? { minAvailable: r.pick([1, '50%']) } : { maxUnavailable: r.pick([1, '25%']) }), selector: { matchLabels: selector(rel, component) } } } });
  }
  return out;
}

function service(r: Rng, rel: Release, name: string, component: string, port: number): YMap {
  const type = r.weighted([['ClusterIP', 80], ['LoadBalancer', 8], ['NodePort', 7], [undefined, 10]]);
  const spec: YMap = {};
  if (type) spec.type = type;
  spec.ports = [{ port: r.pick([80, port, 443]), targetPort: r.chance(0.5) ? port : 'http', protocol: 'TCP', name: 'http', ...(type === 'NodePort' && r.chance(0.5) ? { nodePort: r.int(30000, 32767) } : {}) }];
  if (r.chance(0.3)) (spec.ports as YMap[]).push({ port: 9090, targetPort: 'metrics', protocol: 'TCP', name: 'metrics' });
  spec.selector = selector(rel, component);
  if (type === 'LoadBalancer' && r.chance(0.5)) spec.loadBalancerSourceRanges = ['10.0.0.0/8', '192.168.0.0/16'];
  const annotations: YMap = {};
  if (type === 'LoadBalancer') annotations['service.beta.kubernetes.io/aws-load-balancer-type'] = 'nlb';
  return { apiVersion: 'v1', kind: 'Service', metadata: meta(r, rel, name, component, annotations), spec };
}

function hpa(r: Rng, rel: Release, name: string, kind: string): YMap {
  const metrics: YMap[] = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: r.pick([50, 60, 70, 80]) } } }];
  if (r.chance(0.4)) metrics.push({ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: r.pick([70, 80]) } } });
  return { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta(r, rel, name), spec: { scaleTargetRef: { apiVersion: kind === 'Rollout' ? 'argoproj.io/v1alpha1' : 'apps/v1', kind, name }, minReplicas: r.pick([1, 2, 3]), maxReplicas: r.pick([5, 10, 20, 50]), metrics, ...(r.chance(0.2) ? { behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] } } } : {}) } };
}

function nginxConf(r: Rng, rel: Release): string {
  const lines = ['worker_processes auto;', 'events {', '  worker_connections 1024;', '}', 'http {', '  include /etc/nginx/mime.types;', '  sendfile on;', '  keepalive_timeout 65;'];
  const servers = r.int(2, 40);
  for (let i = 0; i < servers; i++) {
    lines.push('  server {', `    listen ${r.pick([80, 8080, 8443])};`, `    server_name ${rel.app}-${i}.${rel.env}.example.com;`);
    for (let j = r.int(1, 6); j > 0; j--) lines.push(`    location /${r.pick(APPS)}/ {`, `      proxy_pass http://${r.pick(APPS)}.${rel.namespace}.svc.cluster.local:${r.pick(PORTS)};`, '      proxy_set_header Host $host;', '      proxy_set_header X-Real-IP $remote_addr;', `      proxy_read_timeout ${r.pick([30, 60, 300])}s;`, '    }');
    lines.push('  }');
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

function dashboardJson(r: Rng, rel: Release): string {
  const panels: unknown[] = [];
  for (let i = r.int(4, 40); i > 0; i--) {
    panels.push({
      id: i, type: r.pick(['timeseries', 'stat', 'gauge', 'table', 'heatmap']), title: sentence(r, 2, 5),
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: i * 8 }, datasource: { type: 'prometheus', uid: r.alnum(9) },
      targets: [{ expr: `sum(rate(http_requests_total{namespace="${rel.namespace}",service="${rel.name}"}[5m])) by (${r.pick(['code', 'route', 'pod'])})`, legendFormat: '{{code}}', refId: 'A' }],
      fieldConfig: { defaults: { unit: r.pick(['reqps', 'ms', 'bytes', 'percent']), thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'red', value: r.int(50, 100) }] } }, overrides: [] },
    });
  }
  return JSON.stringify({ title: `${rel.app} overview`, uid: r.alnum(12), schemaVersion: 39, tags: [rel.team, rel.env], time: { from: 'now-6h', to: 'now' }, panels }, null, 2) + '\n';
}

function appConfig(r: Rng, rel: Release): string {
  const lines = ['server:', `  port: ${r.pick(PORTS)}`, `  shutdownTimeout: ${r.pick([10, 30])}s`, 'logging:', `  level: ${r.pick(['info', 'debug'])}`, '  format: json', 'features:'];
  for (let i = r.int(2, 12); i > 0; i--) lines.push(`  ${r.pick(APPS).replace(/-/g, '_')}_${i}: ${r.chance(0.5)}`);
  lines.push('upstreams:');
  for (let i = r.int(1, 8); i > 0; i--) lines.push(`  - name: ${r.pick(APPS)}`, `    url: http://${r.pick(APPS)}.${rel.namespace}:${r.pick(PORTS)}`, `    timeout: ${r.int(1, 30)}s`);
  return lines.join('\n') + '\n';
}

function configMaps(r: Rng, rel: Release): Rendered[] {
  const out: Rendered[] = [];
  const n = r.weighted([[0, 25], [1, 50], [2, 18], [3, 7]]);
  for (let i = 0; i < n; i++) {
    const data: YMap = {};
    const size = r.weighted([['small', 79], ['medium', 17], ['large', 4]]);
    if (size === 'small') for (let j = r.int(1, 10); j > 0; j--) data[r.pick(ENV_NAMES)] = r.weighted([[r.pick(['true', 'false', 'info', 'json']), 3], [String(r.int(1, 65535)), 2], [`${rel.name}.${rel.namespace}.svc`, 2], [sentence(r, 2, 8), 1]]);
    else if (size === 'medium') data['config.yaml'] = appConfig(r, rel);
    else if (r.chance(0.5)) data[`${rel.app}-dashboard.json`] = dashboardJson(r, rel);
    else data['nginx.conf'] = nginxConf(r, rel);
    if (r.chance(0.1)) data['entrypoint.sh'] = `#!/bin/sh\nset -eu\nif [ -n "\${DEBUG:-}" ]; then\n  set -x\nfi\nexec "$@"\n`;
    const name = i === 0 ? `${rel.name}-config` : `${rel.name}-${r.pick(['env', 'scripts', 'dashboards', 'nginx', 'files'])}${i}`;
    const obj: YMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(r, rel, name, undefined, size === 'large' && r.chance(0.5) ? { grafana_dashboard: '1' } : {}), data };
    if (r.chance(0.03)) obj.immutable = true;
    out.push({ template: i === 0 ? 'configmap.yaml' : `configmap-${i}.yaml`, obj });
  }
  return out;
}

function secret(r: Rng, rel: Release): Rendered {
  const type = r.weighted([['Opaque', 75], ['kubernetes.io/tls', 15], ['kubernetes.io/dockerconfigjson', 10]]);
  const obj: YMap = { apiVersion: 'v1', kind: 'Secret', metadata: meta(r, rel, `${rel.name}-${type === 'Opaque' ? 'secret' : type === 'kubernetes.io/tls' ? 'tls' : 'pull'}`), type };
  if (type === 'kubernetes.io/tls') obj.data = { 'tls.crt': r.base64(r.int(1100, 2400)), 'tls.key': r.base64(r.int(1150, 1700)) };
  else if (type === 'kubernetes.io/dockerconfigjson') obj.data = { '.dockerconfigjson': r.base64(r.int(120, 300)) };
  else if (r.chance(0.2)) obj.stringData = { username: rel.app, password: r.alnum(20), 'connection-string': `Server=${rel.name}-db;Database=${rel.app};User Id=${rel.app};` };
  else {
    const data: YMap = {};
    for (let i = r.int(1, 8); i > 0; i--) data[r.pick(ENV_NAMES).toLowerCase().replace(/_/g, '-')] = r.base64(r.int(8, 64));
    obj.data = data;
  }
  return { template: 'secret.yaml', obj };
}

const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

function rbac(r: Rng, rel: Release, cluster: boolean): Rendered[] {
  const rules: YMap[] = [];
  for (let i = r.int(1, 6); i > 0; i--) {
    rules.push({
      apiGroups: [r.pick(['', 'apps', 'batch', 'networking.k8s.io', 'coordination.k8s.io', 'monitoring.coreos.com'])],
      resources: r.sample(['pods', 'services', 'endpoints', 'configmaps', 'secrets', 'leases', 'deployments', 'jobs', 'events', 'ingresses', 'nodes'], r.int(1, 4)),
      verbs: r.chance(0.04) ? ['*'] : r.sample(VERBS, r.int(1, 5)),
      ...(r.chance(0.1) ? { resourceNames: [`${rel.name}-leader`] } : {}),
    });
  }
  if (cluster && r.chance(0.03)) rules.push({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] });
  const kind = cluster ? 'ClusterRole' : 'Role';
  const m = meta(r, rel, rel.name);
  if (cluster) delete m.namespace;
  const bm = meta(r, rel, rel.name);
  if (cluster) delete bm.namespace;
  return [
    { template: cluster ? 'clusterrole.yaml' : 'role.yaml', obj: { apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: m, rules } },
    { template: cluster ? 'clusterrolebinding.yaml' : 'rolebinding.yaml', obj: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: `${kind}Binding`, metadata: bm, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: rel.name }, subjects: [{ kind: 'ServiceAccount', name: rel.name, namespace: rel.namespace }] } },
  ];
}

function networkPolicy(r: Rng, rel: Release): Rendered {
  const spec: YMap = { podSelector: r.chance(0.15) ? {} : { matchLabels: selector(rel) }, policyTypes: r.chance(0.6) ? ['Ingress'] : ['Ingress', 'Egress'] };
  spec.ingress = [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': r.pick(['ingress-nginx', 'monitoring', rel.namespace]) } } }, ...(r.chance(0.5) ? [{ podSelector: { matchLabels: { app: r.pick(APPS) } } }] : [])], ports: [{ protocol: 'TCP', port: r.pick(PORTS) }] }];
  if ((spec.policyTypes as string[]).includes('Egress')) spec.egress = [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', ...(r.chance(0.3) ? { except: ['10.0.42.0/24'] } : {}) } }] }, { ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }];
  return { template: 'networkpolicy.yaml', obj: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta(r, rel, rel.name), spec } };
}

function ingress(r: Rng, rel: Release): Rendered {
  const host = `${rel.app}.${rel.env === 'prod' ? '' : rel.env + '.'}example.com`;
  const annotations: YMap = {};
  if (r.chance(0.6)) annotations['cert-manager.io/cluster-issuer'] = 'letsencrypt-prod';
  if (r.chance(0.4)) annotations['nginx.ingress.kubernetes.io/proxy-body-size'] = r.pick(['8m', '50m', '0']);
  if (r.chance(0.05)) annotations['nginx.ingress.kubernetes.io/configuration-snippet'] = 'more_set_headers "X-Frame-Options: DENY";\nmore_set_headers "X-Content-Type-Options: nosniff";\n';
  const paths: YMap[] = [];
  for (let i = r.int(1, 4); i > 0; i--) paths.push({ path: i === 1 ? '/' : `/${r.pick(APPS)}`, pathType: r.pick(['Prefix', 'ImplementationSpecific', 'Exact']), backend: { service: { name: rel.name, port: r.chance(0.6) ? { number: 80 } : { name: 'http' } } } });
  return { template: 'ingress.yaml', obj: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: meta(r, rel, rel.name, undefined, annotations), spec: { ingressClassName: r.pick(['nginx', 'alb', 'traefik']), ...(r.chance(0.7) ? { tls: [{ hosts: [host], secretName: `${rel.name}-tls` }] } : {}), rules: [{ host, http: { paths } }] } } };
}

function jobs(r: Rng, rel: Release): Rendered[] {
  const out: Rendered[] = [];
  if (r.chance(0.2)) {
    const m = meta(r, rel, `${rel.name}-migrate-${r.alnum(5)}`, 'migrate', { 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-weight': '-5', 'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded' });
    out.push({ template: 'job-migrate.yaml', obj: { apiVersion: 'batch/v1', kind: 'Job', metadata: m, spec: { backoffLimit: r.pick([0, 1, 3, 6]), ...(r.chance(0.5) ? { ttlSecondsAfterFinished: 600 } : {}), ...(r.chance(0.3) ? { activeDeadlineSeconds: 900 } : {}), template: podTemplate(r, rel, 'migrate', { restart: r.pick(['Never', 'OnFailure']), repo: `${rel.team}/${rel.app}`, version: rel.appVersion }) } } });
  }
  if (r.chance(0.13)) {
    const tpl = podTemplate(r, rel, 'cron', { restart: 'OnFailure', repo: `${rel.team}/${rel.app}`, version: rel.appVersion });
    out.push({ template: 'cronjob.yaml', obj: { apiVersion: 'batch/v1', kind: 'CronJob', metadata: meta(r, rel, `${rel.name}-${r.pick(['cleanup', 'report', 'backup', 'sync'])}`, 'cron'), spec: { schedule: r.pick(['*/5 * * * *', '0 * * * *', '0 3 * * *', '@daily', '30 2 * * 0']), concurrencyPolicy: r.pick(['Forbid', 'Allow', 'Replace']), ...(r.chance(0.5) ? { successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 } : {}), ...(r.chance(0.1) ? { suspend: false } : {}), jobTemplate: { spec: { backoffLimit: 2, template: tpl } } } } });
  }
  if (rel.helm && r.chance(0.15)) {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: meta(r, rel, `${rel.name}-test-connection`, undefined, { 'helm.sh/hook': 'test' }), spec: { containers: [{ name: 'wget', image: r.pick(['busybox', 'busybox:1.36', 'curlimages/curl:8.6.0']), command: ['wget'], args: [`${rel.name}:80`] }], restartPolicy: 'Never' } };
    out.push({ template: 'tests/test-connection.yaml', obj: pod });
  }
  return out;
}

function schemaProps(r: Rng, depth: number, budget: { n: number }): YMap {
  const props: YMap = {};
  const n = r.int(2, depth === 0 ? 14 : 8);
  for (let i = 0; i < n && budget.n > 0; i++) {
    budget.n--;
    const name = r.pick(WORDS) + r.pick(['Name', 'Ref', 'Spec', 'Config', 'Policy', 'Seconds', 'Count', 'Enabled', 'Selector', 'Template', '']) + (r.chance(0.2) ? String(i) : '');
    const type = depth >= 4 ? r.pick(['string', 'integer', 'boolean']) : r.weighted([['string', 40], ['integer', 12], ['boolean', 10], ['object', 25], ['array', 13]]);
    const p: YMap = { description: sentence(r, 4, 40), type };
    if (type === 'object') {
      p.properties = schemaProps(r, depth + 1, budget);
      if (r.chance(0.3)) p.required = Object.keys(p.properties as YMap).slice(0, 2);
    } else if (type === 'array') p.items = r.chance(0.5) ? { type: 'string' } : { type: 'object', properties: schemaProps(r, depth + 1, budget) };
    else if (type === 'integer') {
      p.format = r.pick(['int32', 'int64']);
      if (r.chance(0.3)) p.minimum = 0;
    } else if (type === 'string' && r.chance(0.2)) p.enum = r.sample(['Always', 'Never', 'IfNotPresent', 'Retain', 'Delete', 'Strict', 'Permissive'], r.int(2, 4));
    if (r.chance(0.05)) p['x-kubernetes-preserve-unknown-fields'] = true;
    props[name] = p;
  }
  return props;
}

function crds(r: Rng, rel: Release): Rendered[] {
  const out: Rendered[] = [];
  const group = `${rel.chart.replace(/[^a-z]/g, '')}${rel.replica > 0 ? `r${rel.replica}` : ''}.${r.pick(['io', 'dev', 'example.com', 'coreos.com'])}`;
  for (let i = r.int(1, 4); i > 0; i--) {
    const kind = r.pick(['Cluster', 'Policy', 'Backup', 'Route', 'Certificate', 'Issuer', 'Monitor', 'Pipeline', 'Tenant', 'Bucket']) + r.pick(['', 'Config', 'Set', 'Binding']);
    const plural = kind.toLowerCase() + 's';
    out.push({
      template: `crds/${plural}.yaml`,
      obj: {
        apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
        metadata: { name: `${plural}.${group}`, annotations: { 'controller-gen.kubebuilder.io/version': 'v0.14.0' }, ...(r.chance(0.5) ? { labels: labels(rel) } : {}) },
        spec: {
          group, names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase(), ...(r.chance(0.4) ? { shortNames: [kind.toLowerCase().slice(0, 3)] } : {}) },
          scope: r.pick(['Namespaced', 'Cluster']),
          versions: [{ name: 'v1', served: true, storage: true, subresources: { status: {} }, additionalPrinterColumns: [{ name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' }, { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }], schema: { openAPIV3Schema: { description: sentence(r, 5, 20), type: 'object', properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, spec: { type: 'object', properties: schemaProps(r, 0, { n: r.int(20, 300) }) }, status: { type: 'object', properties: schemaProps(r, 1, { n: r.int(5, 60) }) } } } } }],
        },
      },
    });
  }
  return out;
}

function customResources(r: Rng, rel: Release): Rendered[] {
  const out: Rendered[] = [];
  if (r.chance(0.22)) out.push({ template: 'servicemonitor.yaml', obj: { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: meta(r, rel, rel.name), spec: { selector: { matchLabels: selector(rel) }, endpoints: [{ port: 'metrics', interval: r.pick(['15s', '30s', '1m']), path: '/metrics', ...(r.chance(0.2) ? { scheme: 'https', tlsConfig: { insecureSkipVerify: true } } : {}) }] } } });
  if (r.chance(0.08)) {
    const rules: YMap[] = [];
    for (let i = r.int(2, 15); i > 0; i--) rules.push({ alert: `${rel.app.replace(/(^|-)(\w)/g, (_, _d, c: string) => c.toUpperCase())}${r.pick(['HighErrorRate', 'HighLatency', 'Down', 'QueueBacklog', 'MemoryPressure'])}${i}`, expr: `sum(rate(http_requests_total{job="${rel.name}",code=~"5.."}[5m]))\n  /\nsum(rate(http_requests_total{job="${rel.name}"}[5m])) > 0.0${r.int(1, 9)}\n`, for: r.pick(['5m', '10m', '15m']), labels: { severity: r.pick(['warning', 'critical']), team: rel.team }, annotations: { summary: sentence(r, 4, 10), description: `{{ $labels.instance }} ${sentence(r, 5, 15)}`, runbook_url: `https://runbooks.example.com/${rel.app}` } });
    out.push({ template: 'prometheusrule.yaml', obj: { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: meta(r, rel, rel.name), spec: { groups: [{ name: `${rel.name}.rules`, rules }] } } });
  }
  if (r.chance(0.05)) out.push({ template: 'certificate.yaml', obj: { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: meta(r, rel, rel.name), spec: { secretName: `${rel.name}-tls`, duration: '2160h', renewBefore: '360h', dnsNames: [`${rel.app}.example.com`, `${rel.app}.${rel.namespace}.svc`], issuerRef: { name: 'letsencrypt-prod', kind: 'ClusterIssuer' } } } });
  if (r.chance(0.06)) out.push({ template: 'virtualservice.yaml', obj: { apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService', metadata: meta(r, rel, rel.name), spec: { hosts: [rel.name], http: [{ route: [{ destination: { host: rel.name, subset: 'v1' }, weight: 90 }, { destination: { host: rel.name, subset: 'v2' }, weight: 10 }], retries: { attempts: 3, perTryTimeout: '2s' } }] } } });
  return out;
}

function renderRelease(r: Rng, rel: Release): Rendered[] {
  const out: Rendered[] = [];
  if (r.chance(0.02)) out.push(...crds(r, rel));
  if (r.chance(0.85)) out.push({ template: 'serviceaccount.yaml', obj: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(r, rel, rel.name), ...(r.chance(0.2) ? { automountServiceAccountToken: false } : {}), ...(r.chance(0.1) ? { imagePullSecrets: [{ name: 'regcred' }] } : {}) } });
  if (r.chance(0.55)) out.push(secret(r, rel));
  out.push(...configMaps(r, rel));
  if (r.chance(0.4)) out.push(...rbac(r, rel, false));
  if (r.chance(0.2)) out.push(...rbac(r, rel, true));
  const main = r.weighted([['Deployment', 62], ['StatefulSet', 15], ['DaemonSet', 7], ['Rollout', 5], ['Knative', 3], ['none', 8]]);
  if (main !== 'none') out.push(...workload(r, rel, main, 'main'));
  if (r.chance(0.25)) out.push(...workload(r, rel, 'Deployment', r.pick(['worker', 'consumer', 'scheduler', 'metrics'])));
  out.push(...jobs(r, rel));
  if (r.chance(0.25 + 0.3 * rel.hardened)) out.push(networkPolicy(r, rel));
  if (r.chance(0.35)) out.push(ingress(r, rel));
  out.push(...customResources(r, rel));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Layouts

function sortKeys(v: Y): Y {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  const out: YMap = {};
  for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[k] = sortKeys(v[k] as Y);
  return out;
}

function managedFields(r: Rng, obj: YMap): YMap[] {
  const fields = (v: Y, depth: number): YMap => {
    const out: YMap = {};
    if (v === null || typeof v !== 'object' || depth > 5) return out;
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        const name = item !== null && typeof item === 'object' && !Array.isArray(item) && typeof item.name === 'string' ? item.name : undefined;
        out[name !== undefined ? `k:{"name":"${name}"}` : `v:${i}`] = { '.': {}, ...fields(item, depth + 1) };
      });
      return out;
    }
    for (const k of Object.keys(v)) if (k !== 'status') out[`f:${k}`] = fields(v[k] as Y, depth + 1);
    return out;
  };
  const spec = fields({ metadata: { labels: (obj.metadata as YMap).labels ?? {} }, spec: obj.spec ?? null }, 0);
  return [{ apiVersion: obj.apiVersion as string, fieldsType: 'FieldsV1', fieldsV1: spec, manager: r.pick(['helm', 'kubectl-client-side-apply', 'argocd-controller']), operation: 'Update', time: `2024-0${r.int(1, 9)}-1${r.int(0, 9)}T0${r.int(0, 9)}:${r.int(10, 59)}:${r.int(10, 59)}Z` }];
}

/** What `kubectl get -o yaml` adds to an object read back from a cluster. */
function asServerObject(r: Rng, obj: YMap, withManagedFields: boolean): YMap {
  const m = { ...(obj.metadata as YMap) };
  m.uid = `${r.hex(8)}-${r.hex(4)}-${r.hex(4)}-${r.hex(4)}-${r.hex(12)}`;
  m.resourceVersion = String(r.int(1000, 99999999));
  m.creationTimestamp = `2024-0${r.int(1, 9)}-${r.int(10, 28)}T${r.int(10, 23)}:${r.int(10, 59)}:${r.int(10, 59)}Z`;
  if (obj.spec !== undefined && obj.kind !== 'CustomResourceDefinition') m.generation = r.int(1, 40);
  if (withManagedFields) m.managedFields = managedFields(r, obj);
  const out: YMap = { ...obj, metadata: m };
  if (obj.kind === 'Deployment' || obj.kind === 'StatefulSet') {
    const replicas = ((obj.spec as YMap).replicas as number) ?? 1;
    out.status = { availableReplicas: replicas, observedGeneration: m.generation as number, readyReplicas: replicas, replicas, updatedReplicas: replicas, conditions: [{ lastTransitionTime: m.creationTimestamp as string, lastUpdateTime: m.creationTimestamp as string, message: `ReplicaSet has successfully progressed.`, reason: 'NewReplicaSetAvailable', status: 'True', type: 'Progressing' }] };
  }
  return sortKeys(out) as YMap;
}

function styleFor(r: Rng, helm: boolean): Style {
  return {
    indentSequences: helm ? r.chance(0.8) : r.chance(0.3),
    quoteChance: r.weighted([[0, 5], [0.1, 3], [0.6, 2]]),
    singleQuotes: r.chance(0.3),
    flowChance: r.weighted([[0, 5], [0.3, 3], [0.8, 1]]),
    commentChance: r.weighted([[0, 6], [0.01, 3], [0.05, 1]]),
  };
}

function countResources(obj: YMap): number {
  return obj.kind === 'List' && Array.isArray(obj.items) ? obj.items.length : 1;
}

interface OutFile {
  path: string;
  text: string;
  documents: number;
  resources: YMap[];
}

function helmFile(r: Rng, releases: { rel: Release; items: Rendered[] }[], rel0: Release): OutFile {
  const e = new Emitter(r, styleFor(r, true));
  let documents = 0;
  const resources: YMap[] = [];
  for (const { rel, items } of releases) {
    if (r.chance(0.05)) {
      // helm renders an empty template as a marker and its source comment only
      e.raw('---');
      e.comment(`Source: ${rel.chart}/templates/tests/optional.yaml`);
      documents++;
    }
    for (const it of items) {
      e.raw('---');
      if (rel.helm) e.comment(`Source: ${rel.chart}/templates/${it.template}`);
      e.document(it.obj);
      documents++;
      resources.push(it.obj);
    }
  }
  const name = releases.length > 1 ? `platform-${rel0.team}-${rel0.name}.yaml` : r.chance(0.5) ? `${rel0.name}.yaml` : `${rel0.name}.rendered.yml`;
  return { path: path.join(rel0.cluster, rel0.namespace, name), text: e.text(), documents, resources };
}

function splitFiles(r: Rng, rel: Release, items: Rendered[]): OutFile[] {
  const style = styleFor(r, rel.helm);
  const groups = new Map<string, Rendered[]>();
  for (const it of items) {
    const kind = it.obj.kind as string;
    const group = /Role/.test(kind) || kind === 'ServiceAccount' ? 'rbac' : kind === 'CustomResourceDefinition' ? `crd-${(it.obj.metadata as YMap).name}` : kind.toLowerCase();
    const list = groups.get(group) ?? [];
    list.push(it);
    groups.set(group, list);
  }
  const out: OutFile[] = [];
  for (const [group, list] of groups) {
    const e = new Emitter(r, style);
    if (r.chance(0.3)) e.comment(`${rel.name}: ${group}`);
    list.forEach((it, i) => {
      if (i > 0 || r.chance(0.3)) e.raw('---');
      e.document(it.obj);
    });
    if (r.chance(0.1)) e.raw('...');
    out.push({ path: path.join(rel.cluster, rel.namespace, rel.name, `${group}.yaml`), text: e.text(), documents: list.length, resources: list.map((x) => x.obj) });
  }
  return out;
}

function listFile(r: Rng, rel: Release, items: Rendered[], json: boolean): OutFile {
  const managed = r.chance(0.25);
  const list: YMap = { apiVersion: 'v1', kind: 'List', items: items.map((it) => asServerObject(r, it.obj, managed)), metadata: { resourceVersion: '' } };
  const base = path.join(rel.cluster, rel.namespace, `${rel.name}-export`);
  if (json) return { path: base + '.json', text: JSON.stringify(list, null, r.chance(0.8) ? 4 : 2) + '\n', documents: 1, resources: [list] };
  const e = new Emitter(r, { ...styleFor(r, false), indentSequences: false, commentChance: 0, flowChance: 0 });
  e.document(list);
  return { path: base + '.yaml', text: e.text(), documents: 1, resources: [list] };
}

function jsonObjects(r: Rng, rel: Release, items: Rendered[]): OutFile[] {
  return items.map((it) => ({ path: path.join(rel.cluster, rel.namespace, rel.name, `${(it.obj.kind as string).toLowerCase()}-${(it.obj.metadata as YMap).name}.json`), text: JSON.stringify(it.obj, null, 2) + '\n', documents: 1, resources: [it.obj] }));
}

function newRelease(r: Rng, index: number, replica: number): Release {
  const team = r.pick(TEAMS);
  const env = r.weighted([[ENVS[0], 4], [ENVS[1], 3], [ENVS[2], 2], [ENVS[3], 1]]);
  const [chart, appVersion] = r.chance(0.65) ? [r.pick(APPS), `${r.int(0, 4)}.${r.int(0, 40)}.${r.int(0, 20)}`] : r.pick(CHARTS);
  const clusters = CLUSTERS.filter((c) => (env === 'prod' ? c.endsWith('-prod') : !c.endsWith('-prod')));
  const suffix = replica > 0 ? `-r${replica}` : '';
  return {
    name: `${chart}${r.chance(0.5) ? '' : '-' + r.pick([team, env, 'v2', 'blue', 'green', r.alnum(4)])}-${index.toString(36)}${suffix}`,
    app: chart,
    chart,
    chartVersion: `${r.int(0, 12)}.${r.int(0, 30)}.${r.int(0, 9)}`,
    appVersion,
    namespace: (r.chance(0.7) ? `${team}-${env}` : `${chart}`) + suffix,
    team,
    env,
    cluster: r.pick(clusters),
    helm: r.chance(0.8),
    hardened: r.weighted([[0, 3], [0.3, 3], [0.7, 2], [1, 2]]),
    replica,
  };
}

/**
 * The corpus's files. `replica` > 0 gives a copy of it for the linearity check: the same generator
 * from the same seed with `-rN` appended to every release's name and namespace (and to CRD
 * groups), so a scan of the corpus and its copies sees that many times the distinct objects:
 * cross-object rules meet more namespaces and bindings, not duplicates of the same ones. A longer
 * name can change one of the emitter's choices (a string too long for flow style), after which
 * the draws differ: a copy is the same mix of layouts and kinds, not the same bytes renamed.
 */
export function* generate(seed = SEED, target = TARGET_RESOURCES, replica = 0): Generator<OutFile> {
  const r = new Rng(seed);
  let resources = 0;
  let index = 0;
  const used = new Set<string>();
  const unique = (f: OutFile): OutFile => {
    let p = f.path;
    for (let i = 2; used.has(p); i++) p = f.path.replace(/(\.[a-z]+)$/, `-${i}$1`);
    used.add(p);
    return p === f.path ? f : { ...f, path: p };
  };
  while (resources < target) {
    const layout = r.weighted([['helm', 70], ['umbrella', 10], ['split', 6], ['list', 6], ['json-list', 4], ['json', 0.7], ['single', 1.5]]);
    const releases: { rel: Release; items: Rendered[] }[] = [];
    const count = layout === 'umbrella' ? r.int(2, 6) : 1;
    for (let i = 0; i < count; i++) {
      const rel = newRelease(r, index++, replica);
      releases.push({ rel, items: renderRelease(r, rel) });
    }
    const { rel, items } = releases[0];
    let files: OutFile[];
    switch (layout) {
      case 'helm':
      case 'umbrella':
        files = [helmFile(r, releases, rel)];
        break;
      case 'split':
        files = splitFiles(r, rel, items);
        break;
      case 'list':
        files = [listFile(r, rel, items, false)];
        break;
      case 'json-list':
        files = [listFile(r, rel, items, true)];
        break;
      case 'json':
        files = jsonObjects(r, rel, items);
        break;
      default: {
        // One object per file, no markers: a hand-maintained kustomize base.
        const style = styleFor(r, false);
        files = items.map((it) => {
          const e = new Emitter(r, style);
          e.document(it.obj);
          return { path: path.join(rel.cluster, rel.namespace, rel.name, `${(it.obj.kind as string).toLowerCase()}.yaml`), text: e.text(), documents: 1, resources: [it.obj] };
        });
      }
    }
    for (const f of files) {
      const u = unique(f);
      (u as OutFile & { layout?: string }).layout = layout;
      for (const obj of u.resources) resources += countResources(obj);
      yield u;
    }
  }
}

interface Stamp {
  version: number;
  seed: number;
  target: number;
  /** 0 for the corpus, N for its N-th copy (see `generate`). */
  replica?: number;
  files: number;
  bytes: number;
  documents: number;
  resources: number;
  kinds: Record<string, number>;
  layouts: Record<string, number>;
}

async function readStamp(dir: string): Promise<Stamp | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, STAMP), 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

/** Where the N-th copy of the corpus goes: next to the corpus, `<corpus>-rN`. */
export function replicaDir(corpusDir: string, replica: number): string {
  return `${corpusDir.replace(/[\\/]+$/, '')}-r${replica}`;
}

/**
 * Generates the corpus (or its `replica`-th copy, see `generate`) into `dir` unless one from this
 * generator version is already there.
 */
export async function ensureCorpus(dir = defaultCorpusDir(), log: (line: string) => void = () => {}, replica = 0): Promise<CorpusInfo> {
  const stamp = await readStamp(dir);
  if (stamp && stamp.version === GENERATOR_VERSION && stamp.seed === SEED && stamp.target === TARGET_RESOURCES && (stamp.replica ?? 0) === replica) {
    return { dir, ...stamp, generated: false };
  }
  log(`generating ${replica > 0 ? `copy ${replica} of the corpus` : 'corpus'} in ${dir} (generator v${GENERATOR_VERSION})...`);
  const started = performance.now();
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  const info: Stamp = { version: GENERATOR_VERSION, seed: SEED, target: TARGET_RESOURCES, replica, files: 0, bytes: 0, documents: 0, resources: 0, kinds: {}, layouts: {} };
  const dirs = new Set<string>();
  for (const f of generate(SEED, TARGET_RESOURCES, replica)) {
    const full = path.join(dir, f.path);
    const parent = path.dirname(full);
    if (!dirs.has(parent)) {
      await fs.mkdir(parent, { recursive: true });
      dirs.add(parent);
    }
    await fs.writeFile(full, f.text);
    info.files++;
    info.bytes += Buffer.byteLength(f.text);
    info.documents += f.documents;
    const layout = (f as OutFile & { layout?: string }).layout ?? 'other';
    info.layouts[layout] = (info.layouts[layout] ?? 0) + 1;
    for (const obj of f.resources) {
      const objs = obj.kind === 'List' ? (obj.items as YMap[]) : [obj];
      for (const o of objs) {
        const kind = `${o.kind as string}${o.apiVersion === 'serving.knative.dev/v1' ? ' (knative)' : ''}`;
        info.kinds[kind] = (info.kinds[kind] ?? 0) + 1;
        info.resources++;
      }
    }
  }
  await fs.writeFile(path.join(dir, STAMP), JSON.stringify(info, null, 2) + '\n');
  log(`generated ${info.files} files, ${info.resources} resources, ${(info.bytes / 1048576).toFixed(1)} MiB in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { dir, ...info, generated: true };
}

/** Checks that every generated file parses back to exactly the objects it was written from. */
async function verify(): Promise<void> {
  const { default: jsyaml } = await import('js-yaml');
  let files = 0;
  for (const f of generate()) {
    const docs: unknown[] = [];
    jsyaml.loadAll(f.text, (d) => {
      if (d !== null && d !== undefined) docs.push(d);
    });
    if (JSON.stringify(docs) !== JSON.stringify(f.resources)) {
      const a = JSON.stringify(docs, null, 1).split('\n');
      const b = JSON.stringify(f.resources, null, 1).split('\n');
      const i = a.findIndex((line, k) => line !== b[k]);
      throw new Error(`${f.path}: parsed objects differ from generated ones near JSON line ${i}: ${a[i]} vs ${b[i]}`);
    }
    files++;
  }
  console.log(`verified ${files} files`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  if (process.argv[2] === '--verify') {
    await verify();
    process.exit(0);
  }
  const dir = process.argv[2] ? path.resolve(process.argv[2]) : defaultCorpusDir();
  const info = await ensureCorpus(dir, (l) => console.log(l));
  console.log(JSON.stringify({ ...info }, null, 2));
}
