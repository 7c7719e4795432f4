import { IMAGE, pod } from '../examples.js';
import { defineRule, perPod } from '../define.js';

const SHARE_PROCESS_DOC = 'https://kubernetes.io/docs/tasks/configure-pod-container/share-process-namespace/';

export const shareProcessNamespace = defineRule({
  id: 'share-process-namespace',
  title: 'Containers share a process namespace',
  severity: 'low',
  category: 'workload',
  tags: ['security'],
  appliesTo: 'workloads',
  description:
    'With shareProcessNamespace: true every container of the pod sees and can signal the others\' processes, and can ' +
    'read their filesystems and environment (including secrets) through /proc/<pid>/root and /proc/<pid>/environ.',
  remediation: 'Remove shareProcessNamespace unless a sidecar truly needs it; use an ephemeral debug container with --target for debugging.',
  references: [SHARE_PROCESS_DOC],
  check: (resource) =>
    perPod(resource, (pod) =>
      pod.spec.shareProcessNamespace === true
        ? { path: `${pod.path}/shareProcessNamespace`, message: 'the pod shares one process namespace between all its containers' }
        : undefined,
    ),
  examples: {
    valid: [
      pod(`
          shareProcessNamespace: false
          containers:
          - name: web
            image: ${IMAGE}
        `),
    ],
    invalid: [
      {
        manifest: pod(`
          shareProcessNamespace: true
          containers:
          - name: web
            image: ${IMAGE}
          - name: log-shipper
            image: registry.example.com/ops/shipper:1.0.3
        `),
        expect: ['/spec/shareProcessNamespace'],
      },
    ],
  },
});
