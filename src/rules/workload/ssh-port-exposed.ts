import { IMAGE, pod } from '../examples.js';
import type { Violation } from '../../core/types.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { asArray, isObject } from '../../core/values.js';
import { SECURITY_CHECKLIST, } from './shared.js';

// ============================== Ports ==============================
export const sshPortExposed = defineRule({
  id: 'ssh-port-exposed',
  title: 'Container exposes the SSH port',
  severity: 'medium',
  category: 'workload',
  tags: ['security', 'ports'],
  appliesTo: 'workloads',
  description:
    'A container declaring port 22 usually runs an SSH server: a long-lived remote shell that bypasses Kubernetes RBAC ' +
    'and audit logging (kubectl exec exists for debugging).',
  remediation: 'Remove the SSH server from the image and use kubectl exec or ephemeral debug containers.',
  references: [SECURITY_CHECKLIST, 'https://kubernetes.io/docs/tasks/debug/debug-application/debug-running-pod/#ephemeral-container'],
  check: (resource) =>
    perContainer(resource, (c) => {
      const out: Omit<Violation, 'container'>[] = [];
      asArray(c.container.ports).forEach((p, i) => {
        if (!isObject(p) || p.containerPort !== 22) return;
        const protocol = p.protocol ?? 'TCP';
        if (protocol !== 'TCP') return;
        out.push({ path: `${c.path}/ports/${i}/containerPort`, message: `${describeContainer(c)} exposes port 22 (SSH)` });
      });
      return out;
    }),
  examples: {
    valid: [
      pod(`
          containers:
          - name: web
            image: ${IMAGE}
            ports: [{containerPort: 8080, name: http}]
        `),
    ],
    invalid: [
      {
        manifest: pod(`
          containers:
          - name: web
            image: ${IMAGE}
            ports:
            - {containerPort: 8080, name: http}
            - {containerPort: 22, name: ssh}
        `),
        expect: ['/spec/containers/0/ports/1/containerPort'],
      },
    ],
  },
});
