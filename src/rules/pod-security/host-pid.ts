import { IMAGE, cronJob, pod } from '../examples.js';
import { defineRule, perPod } from '../define.js';
import { pssControl } from './shared.js';

export const hostPid = defineRule({
  id: 'host-pid',
  title: 'Pod shares the host process namespace',
  severity: 'high',
  ...pssControl('baseline', 'host-namespaces'),
  description:
    'With hostPID: true the containers see every process of the node and, with enough privileges, can inspect or ' +
    'signal them. The Baseline profile forbids sharing host namespaces.',
  remediation: 'Remove spec.hostPID (or set it to false). To share processes between containers of the pod, use shareProcessNamespace.',
  check: (resource) =>
    perPod(resource, (pod) =>
      pod.spec.hostPID === true ? { path: `${pod.path}/hostPID`, message: 'the pod shares the node\'s process namespace (hostPID: true)' } : undefined,
    ),
  examples: {
    valid: [
      pod(`
          shareProcessNamespace: true
          containers:
          - name: app
            image: ${IMAGE}
        `),
    ],
    invalid: [
      {
        manifest: pod(`
          hostPID: true
          containers:
          - name: debug
            image: busybox:1.36
        `),
        expect: ['/spec/hostPID'],
      },
      {
        manifest: cronJob(`
          hostPID: true
          containers:
          - name: report
            image: ${IMAGE}
        `),
        expect: ['/spec/jobTemplate/spec/template/spec/hostPID'],
      },
    ],
  },
});
