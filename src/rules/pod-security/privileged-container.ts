import { IMAGE, pod, rollout } from '../examples.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { containerSecurityContext } from '../../k8s/pss.js';
import { pssControl, scPath } from './shared.js';

export const privilegedContainer = defineRule({
  id: 'privileged-container',
  title: 'Privileged container',
  severity: 'critical',
  ...pssControl('baseline', 'privileged-containers'),
  description:
    'A privileged container has every capability and access to all host devices, and most isolation (seccomp, ' +
    'AppArmor, read-only /sys) is switched off: it is effectively root on the node. Baseline forbids it for ' +
    'containers, init containers and ephemeral containers.',
  remediation: 'Remove securityContext.privileged or set it to false; grant the specific capability the container needs instead.',
  check: (resource) =>
    perContainer(resource, (c) =>
      containerSecurityContext(c)?.privileged === true ? { path: scPath(c, 'privileged'), cause: scPath(c, 'privileged'), message: `${describeContainer(c)} runs privileged` } : undefined,
    ),
  examples: {
    valid: [
      pod(`
          containers:
          - name: app
            image: ${IMAGE}
            securityContext: {privileged: false}
        `),
    ],
    invalid: [
      {
        manifest: pod(`
          containers:
          - name: app
            image: ${IMAGE}
            securityContext: {privileged: true}
        `),
        expect: ['/spec/containers/0/securityContext/privileged'],
      },
      {
        manifest: pod(`
          containers:
          - name: app
            image: ${IMAGE}
          ephemeralContainers:
          - name: debugger
            image: busybox:1.36
            targetContainerName: app
            securityContext: {privileged: true}
        `),
        expect: ['/spec/ephemeralContainers/0/securityContext/privileged'],
      },
      {
        manifest: rollout(`
          initContainers:
          - name: sysctl-tuner
            image: busybox:1.36
            command: ["sysctl", "-w", "vm.max_map_count=262144"]
            securityContext: {privileged: true}
          containers:
          - name: app
            image: ${IMAGE}
        `),
        expect: ['/spec/template/spec/initContainers/0/securityContext/privileged'],
      },
    ],
  },
});
