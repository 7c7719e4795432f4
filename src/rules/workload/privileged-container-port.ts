import { IMAGE, pod } from '../examples.js';
import type { Violation } from '../../core/types.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { asArray, fieldAt } from '../../core/values.js';
import { SECURITY_CONTEXT_DOC, isInt, } from './shared.js';

export const privilegedContainerPort = defineRule({
  id: 'privileged-container-port',
  title: 'Container listens on a privileged port',
  severity: 'low',
  category: 'workload',
  tags: ['security', 'ports'],
  appliesTo: 'workloads',
  optIn: true,
  description:
    'Binding a port below 1024 traditionally needs root or NET_BIND_SERVICE, which is a common reason images keep ' +
    'running as root. A Service can expose port 80 while the container listens on 8080. Port 22 is reported by ssh-port-exposed.',
  remediation: 'Make the application listen on a port of 1024 or above and map it in the Service (port: 80, targetPort: 8080).',
  references: [SECURITY_CONTEXT_DOC, 'https://kubernetes.io/docs/concepts/services-networking/service/#defining-a-service'],
  check: (resource) =>
    perContainer(resource, (c) => {
      const out: Omit<Violation, 'container'>[] = [];
      asArray(c.container.ports).forEach((p, i) => {
        const port = fieldAt(p, 'containerPort');
        if (!isInt(port) || port < 1 || port >= 1024 || port === 22) return;
        out.push({ path: `${c.path}/ports/${i}/containerPort`, message: `${describeContainer(c)} listens on privileged port ${port}` });
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
            ports: [{containerPort: 80, name: http}]
        `),
        expect: ['/spec/containers/0/ports/0/containerPort'],
      },
    ],
  },
});
