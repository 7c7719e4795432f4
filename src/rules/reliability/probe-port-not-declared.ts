import { deploymentFromParts } from '../examples.js';
import type { JsonObject, Resource, Violation } from '../../core/types.js';
import { containers, type PodSpecView } from '../../k8s/pods.js';
import { asArray, isObject } from '../../core/values.js';
import { defineRule, describeContainer } from '../define.js';
import { PROBES_DOC, PROBE_NAMES, declaredPorts, probePorts } from './shared.js';

/** Container port numbers declared for TCP (the default protocol). */
function tcpPorts(container: JsonObject): number[] {
  const out: number[] = [];
  for (const p of asArray(container.ports)) {
    if (!isObject(p) || typeof p.containerPort !== 'number') continue;
    if (p.protocol === undefined || p.protocol === null || p.protocol === 'TCP') out.push(p.containerPort);
  }
  return out;
}

/** The protocols a pod declares a port number for, for messages ("UDP", "UDP and SCTP"). */
function otherProtocols(pod: PodSpecView, resource: Resource, port: number): string {
  const found = new Set<string>();
  for (const c of containers(resource)) {
    if (c.pod !== pod) continue;
    for (const p of asArray(c.container.ports)) if (isObject(p) && p.containerPort === port && typeof p.protocol === 'string') found.add(p.protocol);
  }
  return [...found].sort().join(' and ');
}

export const probePortNotDeclared = defineRule({
  id: 'probe-port-not-declared',
  title: 'Probe targets a port no container declares',
  severity: 'low',
  category: 'reliability',
  tags: ['probes', 'correctness'],
  appliesTo: 'workloads',
  description:
    'A probe targets a numeric port that no container of the pod lists in its ports, although the pod does declare ports. That is ' +
    'usually a typo or a port changed in one place only, and the probe then fails. Pods that declare no ports at all are not ' +
    'checked, since declaring ports is optional. Containers of a pod share one network namespace, so a port any of them declares ' +
    'counts. httpGet, tcpSocket and gRPC probes connect over TCP: a port the pod declares only for UDP or SCTP (by number, or ' +
    'through the port name the probe uses) is reported too.',
  remediation: 'Make the probe port match the port the application listens on, and declare it in the container ports (by name, ideally).',
  references: [PROBES_DOC],
  check: (resource) => {
    const out: Violation[] = [];
    const byPod = new Map<PodSpecView, { all: Set<number>; tcp: Set<number> }>();
    for (const c of containers(resource)) {
      let declared = byPod.get(c.pod);
      if (!declared) {
        declared = { all: new Set(), tcp: new Set() };
        for (const other of containers(resource)) {
          if (other.pod !== c.pod) continue;
          for (const n of declaredPorts(other.container).numbers) declared.all.add(n);
          for (const n of tcpPorts(other.container)) declared.tcp.add(n);
        }
        byPod.set(c.pod, declared);
      }
      if (declared.all.size === 0) continue;
      for (const p of probePorts(c)) {
        const probe = PROBE_NAMES[p.probe];
        if (typeof p.port === 'number') {
          if (declared.tcp.has(p.port)) continue;
          const message = declared.all.has(p.port)
            ? `${describeContainer(c)} ${probe} probe connects over TCP to port ${p.port}, which the pod declares only for ${otherProtocols(c.pod, resource, p.port)}`
            : `${describeContainer(c)} ${probe} probe targets port ${p.port}, which no container of the pod declares (declared: ${[...declared.all].join(', ')})`;
          out.push({ path: p.path, container: c.name, message });
        } else if (typeof p.port === 'string') {
          // The kubelet resolves a probe's port name among the container's own ports, whatever their protocol,
          // then connects over TCP. A missing name is probe-named-port-missing's finding.
          const named = asArray(c.container.ports).find((x) => isObject(x) && x.name === p.port);
          if (!isObject(named) || typeof named.containerPort !== 'number') continue;
          const protocol = typeof named.protocol === 'string' ? named.protocol : 'TCP';
          if (protocol === 'TCP' || declared.tcp.has(named.containerPort)) continue;
          out.push({ path: p.path, container: c.name, message: `${describeContainer(c)} ${probe} probe connects over TCP to port "${p.port}" (${named.containerPort}), which the container declares for ${protocol}` });
        }
      }
    }
    return out;
  },
  examples: {
    valid: [
      deploymentFromParts({
        container: `        ports: [{containerPort: 8080}]
        livenessProbe: {httpGet: {path: /healthz, port: 8080}}`,
      }),
      deploymentFromParts({ container: `        livenessProbe: {tcpSocket: {port: 5432}}` }),
    ],
    invalid: [
      {
        manifest: deploymentFromParts({
        container: `        ports: [{containerPort: 8000}]
        livenessProbe: {httpGet: {path: /healthz, port: 8080}}`,
      }),
        expect: ['/spec/template/spec/containers/0/livenessProbe/httpGet/port'],
      },
      {
        manifest: deploymentFromParts({
        container: `        ports: [{name: dns, containerPort: 5353, protocol: UDP}]
        readinessProbe: {tcpSocket: {port: dns}}`,
      }),
        expect: ['/spec/template/spec/containers/0/readinessProbe/tcpSocket/port'],
      },
    ],
  },
});
