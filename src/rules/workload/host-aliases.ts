import { IMAGE, pod } from '../examples.js';
import { defineRule, perPod } from '../define.js';
import { asArray, fieldAt } from '../../core/values.js';

const HOST_ALIASES_DOC = 'https://kubernetes.io/docs/tasks/network/customize-hosts-file-for-pods/';

// ============================== Pod-level settings ==============================
export const hostAliases = defineRule({
  id: 'host-aliases',
  title: 'Pod overrides host name resolution',
  severity: 'low',
  category: 'workload',
  tags: ['security'],
  appliesTo: 'workloads',
  description:
    'spec.hostAliases writes entries into the pod\'s /etc/hosts, overriding DNS for those names. It hides where traffic ' +
    'really goes, can redirect it to unexpected endpoints and silently breaks when the target IP changes.',
  remediation: 'Remove hostAliases and publish the names through DNS (a Service, ExternalName Service or CoreDNS configuration).',
  references: [HOST_ALIASES_DOC],
  check: (resource) =>
    perPod(resource, (pod) => {
      const aliases = pod.spec.hostAliases;
      if (!Array.isArray(aliases) || aliases.length === 0) return undefined;
      const names = aliases.flatMap((a) => asArray(fieldAt(a, 'hostnames')).filter((h): h is string => typeof h === 'string'));
      return { path: `${pod.path}/hostAliases`, message: `the pod overrides name resolution with hostAliases${names.length ? ` for ${names.join(', ')}` : ''}` };
    }),
  examples: {
    valid: [
      pod(`
          containers:
          - name: web
            image: ${IMAGE}
        `),
    ],
    invalid: [
      {
        manifest: pod(`
          hostAliases:
          - ip: 10.1.2.3
            hostnames: [payments.internal]
          containers:
          - name: web
            image: ${IMAGE}
        `),
        expect: ['/spec/hostAliases'],
      },
    ],
  },
});
