import { IMAGE, deployment, pod } from '../examples.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { asArray, asObject } from '../../core/values.js';
import { isSet, show } from '../../k8s/pss.js';
import { pssControl } from './shared.js';

export const hostPort = defineRule({
  id: 'host-port',
  title: 'Container binds a host port',
  severity: 'medium',
  ...pssControl('baseline', 'host-ports'),
  description:
    'A hostPort publishes the container on the node\'s own address, bypassing Services and network policies and ' +
    'limiting scheduling. Baseline allows only an undefined or zero hostPort; the "known list" the standard ' +
    'mentions is not supported by the built-in admission controller, so every other value is reported.',
  remediation: 'Remove hostPort from the container ports and expose the workload through a Service (NodePort or LoadBalancer if it must be reachable from outside).',
  check: (resource) =>
    perContainer(resource, (c) =>
      asArray(c.container.ports).flatMap((p, i) => {
        const hostPort = asObject(p)?.hostPort;
        return isSet(hostPort) && hostPort !== 0
          ? [{ path: `${c.path}/ports/${i}/hostPort`, message: `${describeContainer(c)} binds host port ${show(hostPort)}` }]
          : [];
      }),
    ),
  examples: {
    valid: [
      pod(`
          containers:
          - name: app
            image: ${IMAGE}
            ports:
            - containerPort: 8080
            - containerPort: 9090
              hostPort: 0
        `),
    ],
    invalid: [
      {
        manifest: deployment(`
          containers:
          - name: app
            image: ${IMAGE}
            ports:
            - containerPort: 8080
              hostPort: 80
        `),
        expect: ['/spec/template/spec/containers/0/ports/0/hostPort'],
      },
      {
        manifest: pod(`
          initContainers:
          - name: warmup
            image: busybox:1.36
            ports: [{containerPort: 9000, hostPort: 9000}]
          containers:
          - name: app
            image: ${IMAGE}
        `),
        expect: ['/spec/initContainers/0/ports/0/hostPort'],
      },
    ],
  },
});
