import { IMAGE, deployment } from '../examples.js';
import { defineRule, perPod } from '../define.js';
import { pssControl } from './shared.js';

export const hostIpc = defineRule({
  id: 'host-ipc',
  title: 'Pod shares the host IPC namespace',
  severity: 'high',
  ...pssControl('baseline', 'host-namespaces'),
  description:
    'With hostIPC: true the containers share System V IPC objects and POSIX message queues with every process of ' +
    'the node. The Baseline profile forbids sharing host namespaces.',
  remediation: 'Remove spec.hostIPC (or set it to false).',
  check: (resource) =>
    perPod(resource, (pod) =>
      pod.spec.hostIPC === true ? { path: `${pod.path}/hostIPC`, message: 'the pod shares the node\'s IPC namespace (hostIPC: true)' } : undefined,
    ),
  examples: {
    valid: [
      deployment(`
          hostIPC: false
          containers:
          - name: app
            image: ${IMAGE}
        `),
    ],
    invalid: [
      {
        manifest: deployment(`
          hostIPC: true
          containers:
          - name: app
            image: ${IMAGE}
        `),
        expect: ['/spec/template/spec/hostIPC'],
      },
    ],
  },
});
