import { isObject, stringMap } from '../../core/values.js';
import { escapePointerToken } from '../../core/pointer.js';
import { defineRule } from '../define.js';
import { CLUSTER_INFO_EXAMPLE, CLUSTER_INFO_KIND, clusterInfo, isClusterInfo, serverVersionOf } from './shared.js';

const PSA_DOC = 'https://kubernetes.io/docs/concepts/security/pod-security-admission/';

const PSA_LABELS_DOC = 'https://kubernetes.io/docs/tasks/configure-pod-container/enforce-standards-namespace-labels/';

// ---------------------------------------------------------------------------------------------
// Pod Security Admission labels

const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';

/** Pod Security Admission is on by default from 1.23 (beta), GA in 1.25. */
const PSA_SINCE_MINOR = 23;

export const namespacePodSecurityNotEnforced = defineRule({
  id: 'namespace-pod-security-not-enforced',
  title: 'Namespace without an enforcing Pod Security Admission level',
  severity: 'medium',
  category: 'pod-security',
  tags: ['cluster', 'pss', 'namespace'],
  description:
    `A namespace without the \`${ENFORCE_LABEL}\` label, or with it set to \`privileged\`, lets any pod in: Pod Security Admission ` +
    'enforces nothing there (unless the cluster-wide AdmissionConfiguration sets a default). kube-system is not judged: it ' +
    'runs privileged node components by design and is exempted in the admission configuration instead. On a cluster older ' +
    'than 1.23 Pod Security Admission does not exist: the rule then says so once, on the cluster, instead of flagging every namespace.',
  remediation: `Label the namespace \`${ENFORCE_LABEL}: restricted\` (or \`baseline\` where restricted cannot work yet), after checking with the warn label which pods would be refused.`,
  references: [PSA_DOC, PSA_LABELS_DOC],
  appliesTo: ['Namespace', CLUSTER_INFO_KIND],
  reads: [CLUSTER_INFO_KIND],
  check(resource, context) {
    if (isClusterInfo(resource)) {
      const server = serverVersionOf(resource);
      if (!server || server.major !== 1 || server.minor >= PSA_SINCE_MINOR) return [];
      return [
        {
          path: '/serverVersion/gitVersion',
          message: `Pod Security Admission is not available on Kubernetes ${server.text} (it needs 1.23 or later): namespaces cannot enforce pod security standards with ${ENFORCE_LABEL} labels, so they were not checked`,
        },
      ];
    }
    if (resource.kind !== 'Namespace' || resource.name === 'kube-system') return [];
    const server = serverVersionOf(clusterInfo(context));
    if (server && server.major === 1 && server.minor < PSA_SINCE_MINOR) return [];
    const metadata = resource.object.metadata;
    const labels = isObject(metadata) ? stringMap(metadata.labels) : {};
    const level = labels[ENFORCE_LABEL];
    if (level === undefined) {
      const path = isObject(metadata) && isObject(metadata.labels) ? '/metadata/labels' : isObject(metadata) ? '/metadata' : '';
      return [{ path, message: `namespace "${resource.name}" has no ${ENFORCE_LABEL} label: Pod Security Admission refuses no pod there` }];
    }
    if (level.trim() === 'privileged') {
      return [
        {
          path: `/metadata/labels/${escapePointerToken(ENFORCE_LABEL)}`,
          message: `namespace "${resource.name}" enforces the privileged Pod Security level: Pod Security Admission refuses no pod there`,
        },
      ];
    }
    return [];
  },
  examples: {
    valid: [
      `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    pod-security.kubernetes.io/enforce: restricted`,
      `apiVersion: v1
kind: Namespace
metadata:
  name: kube-system`,
      `${CLUSTER_INFO_EXAMPLE('v1.30.2')}
---
apiVersion: v1
kind: Namespace
metadata:
  name: legacy
  labels:
    pod-security.kubernetes.io/enforce: baseline`,
    ],
    invalid: [
      {
        manifest: `apiVersion: v1
kind: Namespace
metadata:
  name: shop`,
        expect: ['/metadata'],
      },
      {
        manifest: `apiVersion: v1
kind: Namespace
metadata:
  name: tools
  labels:
    pod-security.kubernetes.io/enforce: privileged`,
        expect: ['/metadata/labels/pod-security.kubernetes.io~1enforce'],
      },
      {
        manifest: `${CLUSTER_INFO_EXAMPLE('v1.20.2')}
---
apiVersion: v1
kind: Namespace
metadata:
  name: shop`,
        expect: ['/serverVersion/gitVersion'],
      },
    ],
  },
});
