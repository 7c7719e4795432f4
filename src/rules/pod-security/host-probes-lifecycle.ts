import { IMAGE, deployment, pod } from '../examples.js';
import type { Violation } from '../../core/types.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { fieldAt } from '../../core/values.js';
import { SINCE, isSet, show } from '../../k8s/pss.js';
import { baselineAt, pssControl } from './shared.js';

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;

const HOOKS = ['postStart', 'preStop'] as const;

const HANDLERS = ['httpGet', 'tcpSocket'] as const;

export const hostProbesLifecycle = defineRule({
  id: 'host-probes-lifecycle',
  title: 'Probe or lifecycle hook targets another host',
  severity: 'medium',
  ...pssControl('baseline', 'host-probes-lifecycle-hooks'),
  description:
    'A probe or lifecycle hook with httpGet.host or tcpSocket.host makes the kubelet connect to an arbitrary ' +
    'address from the node, which can be abused to reach node-local or internal services. Baseline (Pod Security ' +
    'Standards v1.34 and later) requires host to be unset or empty in liveness, readiness and startup probes and in postStart/preStop hooks.',
  remediation: 'Remove the host field so the probe or hook targets the pod\'s own IP.',
  check: (resource, context) => {
    if (baselineAt(resource, context) < SINCE.hostProbes) return [];
    return perContainer(resource, (c) => {
      const out: Omit<Violation, 'container'>[] = [];
      const inspect = (handler: unknown, base: string, what: string): void => {
        for (const kind of HANDLERS) {
          const host = fieldAt(handler, kind, 'host');
          if (isSet(host) && host !== '') out.push({ path: `${base}/${kind}/host`, message: `${describeContainer(c)} ${what} targets host ${show(host)}` });
        }
      };
      for (const probe of PROBES) inspect(c.container[probe], `${c.path}/${probe}`, probe);
      for (const hook of HOOKS) inspect(fieldAt(c.container, 'lifecycle', hook), `${c.path}/lifecycle/${hook}`, `${hook} hook`);
      return out;
    });
  },
  examples: {
    valid: [
      pod(`
          containers:
          - name: app
            image: ${IMAGE}
            livenessProbe:
              httpGet: {path: /healthz, port: 8080}
            readinessProbe:
              tcpSocket: {port: 8080, host: ""}
            lifecycle:
              preStop:
                httpGet: {path: /drain, port: 8080}
        `),
    ],
    invalid: [
      {
        manifest: pod(`
          containers:
          - name: app
            image: ${IMAGE}
            livenessProbe:
              httpGet: {host: 169.254.169.254, path: /latest/meta-data/, port: 80}
        `),
        expect: ['/spec/containers/0/livenessProbe/httpGet/host'],
      },
      {
        manifest: deployment(`
          containers:
          - name: app
            image: ${IMAGE}
            startupProbe:
              tcpSocket: {host: 10.0.0.1, port: 22}
            lifecycle:
              postStart:
                httpGet: {host: internal.example.com, path: /register, port: 80}
        `),
        expect: ['/spec/template/spec/containers/0/startupProbe/tcpSocket/host', '/spec/template/spec/containers/0/lifecycle/postStart/httpGet/host'],
      },
    ],
  },
});
