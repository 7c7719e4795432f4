import { IMAGE, deployment, pod, rollout } from '../examples.js';
import { defineRule, perPod } from '../define.js';
import { pssControl, } from './shared.js';

export const hostNetwork = defineRule({
  id: 'host-network',
  title: 'Pod shares the host network namespace',
  severity: 'high',
  ...pssControl('baseline', 'host-namespaces'),
  description:
    'With hostNetwork: true the pod sees every network interface of the node, can bind node ports and reach ' +
    'services listening on localhost of the node. The Baseline profile forbids sharing host namespaces.',
  remediation: 'Remove spec.hostNetwork (or set it to false); expose the workload through a Service instead.',
  check: (resource) =>
    perPod(resource, (pod) =>
      pod.spec.hostNetwork === true ? { path: `${pod.path}/hostNetwork`, message: 'the pod shares the node\'s network namespace (hostNetwork: true)' } : undefined,
    ),
  examples: {
    valid: [
      pod(`
          hostNetwork: false
          containers:
          - name: app
            image: ${IMAGE}
        `),
    ],
    invalid: [
      {
        manifest: deployment(`
          hostNetwork: true
          dnsPolicy: ClusterFirstWithHostNet
          containers:
          - name: app
            image: ${IMAGE}
        `),
        expect: ['/spec/template/spec/hostNetwork'],
      },
      {
        manifest: rollout(`
          hostNetwork: true
          containers:
          - name: app
            image: ${IMAGE}
        `),
        expect: ['/spec/template/spec/hostNetwork'],
      },
    ],
  },
});
