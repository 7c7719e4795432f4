import { deploymentFromParts, serviceSelecting } from '../examples.js';
import type { JsonObject, Violation } from '../../core/types.js';
import { containers, type ContainerView } from '../../k8s/pods.js';
import { asArray, fieldAt, isObject, asObject } from '../../core/values.js';
import { labelKeyProblem } from '../../k8s/labels.js';
import { defineRule, describeContainer } from '../define.js';
import { dns1123LabelProblem, portNameProblem, portNumberProblem, portNumOrNameProblem, protocolProblem } from '../../k8s/api-validation.js';
import { PROBES, PROBE_KINDS, PROBE_NAMES, } from './shared.js';

// ---------------------------------------------------------------------------------------------


/** Probe and lifecycle handler ports of one container: [where, pointer, value, number only (gRPC)]. */
function handlerPorts(c: ContainerView): { where: string; path: string; port: unknown; numberOnly: boolean }[] {
  const out: { where: string; path: string; port: unknown; numberOnly: boolean }[] = [];
  const visit = (handler: JsonObject | undefined, where: string, path: string, kinds: readonly string[]): void => {
    if (!handler) return;
    for (const kind of kinds) {
      const h = asObject(handler[kind]);
      if (h && 'port' in h) out.push({ where: `${where} ${kind}`, path: `${path}/${kind}/port`, port: h.port, numberOnly: kind === 'grpc' });
    }
  };
  for (const probe of PROBE_KINDS) visit(asObject(c.container[probe]), `${PROBE_NAMES[probe]} probe`, `${c.path}/${probe}`, ['httpGet', 'tcpSocket', 'grpc']);
  const lifecycle = asObject(c.container.lifecycle);
  for (const hook of ['postStart', 'preStop']) visit(asObject(lifecycle?.[hook]), `${hook} hook`, `${c.path}/lifecycle/${hook}`, ['httpGet', 'tcpSocket']);
  return out;
}

/** Containers whose probes and lifecycle hooks the API server validates: regular ones and sidecars (init containers with restartPolicy Always; other init containers may not have them at all). */
function runsHandlers(c: ContainerView): boolean {
  return c.type === 'containers' || (c.type === 'initContainers' && c.container.restartPolicy === 'Always');
}

export const invalidPort = defineRule({
  id: 'invalid-port',
  title: 'Port name, number or protocol the API server rejects',
  severity: 'high',
  category: 'reliability',
  tags: ['ports', 'correctness'],
  appliesTo: 'all',
  description:
    'A port field breaks the API server\'s validation, so the object is rejected. The rules differ by field, as in Kubernetes\' ' +
    'own validation code: container port names, named targetPorts and named probe or lifecycle-hook ports must be IANA service ' +
    'names (at most 15 characters of lowercase letters, digits and single inner dashes, with at least one letter), while Service ' +
    'port names are DNS-1123 labels (up to 63 characters of lowercase letters, digits and dashes, starting and ending with a letter ' +
    'or digit). Port numbers (containerPort, hostPort when set, Service port, numeric targetPort and probe ports) must lie in ' +
    '1-65535; a targetPort of 0 or "" means the Service port. A quoted number ("8080") is a string to the API and is judged as a ' +
    'name, which it is not. Protocols are TCP, UDP or SCTP, in capitals. Container port names must be unique within their ' +
    'container (not across the pod: the API server does not check that); a Service with several ports must name each one, with ' +
    'distinct names and distinct port/protocol pairs; appProtocol must be a qualified name.',
  remediation:
    'Rename the port within the limits of its field (for example "http-metrics" instead of "http_metrics_port" for a container ' +
    'port), write numbers without quotes and between 1 and 65535, use TCP/UDP/SCTP, and give every Service port a unique name.',
  references: [
    'https://kubernetes.io/docs/concepts/services-networking/service/#multi-port-services',
    'https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#ports',
    'https://kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/#ServiceSpec',
  ],
  check: (resource) => {
    const out: Violation[] = [];
    if (resource.kind === 'Service') {
      const ports = fieldAt(resource.object, 'spec', 'ports');
      if (!Array.isArray(ports)) return out;
      const names = new Map<string, number>();
      const numbers = new Map<string, number>();
      ports.forEach((p, i) => {
        if (!isObject(p)) return;
        const at = `/spec/ports/${i}`;
        const label = `Service "${resource.name}" port #${i + 1}`;
        if (typeof p.name === 'string' && p.name !== '') {
          const problem = dns1123LabelProblem(p.name);
          if (problem) out.push({ path: `${at}/name`, message: `${label} name "${p.name}" ${problem}` });
          if (names.has(p.name)) out.push({ path: `${at}/name`, message: `${label} reuses the name "${p.name}" of port #${names.get(p.name)! + 1}` });
          else names.set(p.name, i);
        } else if (ports.length > 1) out.push({ path: at, message: `${label} has no name; a Service with several ports must name each one` });
        const portProblem = portNumberProblem(p.port);
        if (portProblem) out.push({ path: p.port === undefined ? at : `${at}/port`, message: `${label} port ${portProblem}` });
        const protocol = protocolProblem(p.protocol);
        if (protocol) out.push({ path: `${at}/protocol`, message: `${label} protocol ${protocol}` });
        else if (!portProblem) {
          const pair = `${typeof p.protocol === 'string' && p.protocol !== '' ? p.protocol : 'TCP'}/${p.port}`;
          if (numbers.has(pair)) out.push({ path: `${at}/port`, message: `${label} repeats ${pair} of port #${numbers.get(pair)! + 1}` });
          else numbers.set(pair, i);
        }
        // Defaulting runs before validation: a targetPort of 0 or "" becomes the port itself.
        if (p.targetPort !== undefined && p.targetPort !== null && p.targetPort !== 0 && p.targetPort !== '') {
          const problem = portNumOrNameProblem(p.targetPort);
          if (problem) out.push({ path: `${at}/targetPort`, message: `${label} targetPort ${problem}` });
        }
        if (typeof p.appProtocol === 'string') {
          const problem = labelKeyProblem(p.appProtocol);
          if (problem) out.push({ path: `${at}/appProtocol`, message: `${label} appProtocol "${p.appProtocol}" ${problem}` });
        }
      });
      return out;
    }
    for (const c of containers(resource)) {
      // Ephemeral containers may not declare ports or probes at all; that is another error.
      if (c.type === 'ephemeralContainers') continue;
      const who = describeContainer(c);
      const names = new Map<string, number>();
      asArray(c.container.ports).forEach((p, i) => {
        if (!isObject(p)) return;
        const at = `${c.path}/ports/${i}`;
        if (typeof p.name === 'string' && p.name !== '') {
          const problem = portNameProblem(p.name);
          if (problem) out.push({ path: `${at}/name`, container: c.name, message: `${who} port name "${p.name}" ${problem}` });
          else if (names.has(p.name)) out.push({ path: `${at}/name`, container: c.name, message: `${who} port name "${p.name}" is already used by its port #${names.get(p.name)! + 1}` });
          else names.set(p.name, i);
        }
        const problem = portNumberProblem(p.containerPort);
        if (problem) out.push({ path: p.containerPort === undefined ? at : `${at}/containerPort`, container: c.name, message: `${who} containerPort ${problem}` });
        if (p.hostPort !== undefined && p.hostPort !== null && p.hostPort !== 0) {
          const hostProblem = portNumberProblem(p.hostPort);
          if (hostProblem) out.push({ path: `${at}/hostPort`, container: c.name, message: `${who} hostPort ${hostProblem}` });
        }
        const protocol = protocolProblem(p.protocol);
        if (protocol) out.push({ path: `${at}/protocol`, container: c.name, message: `${who} port protocol ${protocol}` });
      });
      if (!runsHandlers(c)) continue;
      for (const h of handlerPorts(c)) {
        const problem = h.numberOnly ? portNumberProblem(h.port) : portNumOrNameProblem(h.port);
        if (problem) out.push({ path: h.path, container: c.name, message: `${who} ${h.where} port ${problem}` });
      }
    }
    return out;
  },
  examples: {
    valid: [
      deploymentFromParts({ container: PROBES }),
      serviceSelecting('web', '{app: web}', '[{name: http, port: 80, targetPort: http}, {name: metrics, port: 9090, targetPort: 9090}]'),
      // Service port names are DNS-1123 labels (63 characters), not IANA names (15).
      serviceSelecting('exporter', '{app: exporter}', '[{name: http-exporter-port, port: 9100, targetPort: metrics}, {name: "9101", port: 9101, targetPort: 0}]'),
    ],
    invalid: [
      {
        manifest: deploymentFromParts({ container: '        ports: [{name: http_metrics_port, containerPort: 9090}]' }),
        expect: ['/spec/template/spec/containers/0/ports/0/name'],
      },
      {
        manifest: deploymentFromParts({ container: '        ports: [{name: http, containerPort: 8080}, {name: http, containerPort: 70000}]' }),
        expect: ['/spec/template/spec/containers/0/ports/1/name', '/spec/template/spec/containers/0/ports/1/containerPort'],
      },
      {
        manifest: deploymentFromParts({ container: '        ports: [{name: http, containerPort: 8080, protocol: tcp}]' }),
        expect: ['/spec/template/spec/containers/0/ports/0/protocol'],
      },
      {
        manifest: deploymentFromParts({ container: '        startupProbe: {tcpSocket: {port: "8080"}}' }),
        expect: ['/spec/template/spec/containers/0/startupProbe/tcpSocket/port'],
      },
      {
        manifest: serviceSelecting('web', '{app: web}', '[{port: 80, targetPort: http}, {port: 443, targetPort: HTTPS}]'),
        expect: ['/spec/ports/0', '/spec/ports/1', '/spec/ports/1/targetPort'],
      },
      {
        manifest: serviceSelecting('web', '{app: web}', '[{name: http, port: 80, targetPort: "8080"}]'),
        expect: ['/spec/ports/0/targetPort'],
      },
    ],
  },
});
