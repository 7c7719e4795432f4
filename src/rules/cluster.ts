/**
 * Checks of a running cluster: the API server's version against the Kubernetes support calendar,
 * kubelet version skew, Pod Security Admission labels on namespaces, and admission webhooks that
 * fail open.
 *
 * What only a live cluster knows (the API server's version and the date it was asked) reaches the
 * rules as one synthetic object, `kshield.io/v1 ClusterInfo`, which `kshield cluster` adds to the
 * objects it lists (src/sources/cluster.ts, clusterInfoObject). Rules that need it judge or read it;
 * in a scan of manifests there is none, so they stay silent there. The namespace and webhook rules
 * judge what a manifest says too: a Namespace without an enforce label is the same gap in Git.
 */
import type { Resource, Violation } from '../core/types.js';
import type { Rule, RuleContext } from '../engine/rule.js';
import { asArray, fieldAt, isObject, asString, stringMap } from '../core/values.js';
import { escapePointerToken } from '../core/pointer.js';
import { defineRule } from './define.js';

const CLUSTER_INFO_API_VERSION = 'kshield.io/v1';
const CLUSTER_INFO_KIND = 'ClusterInfo';

/**
 * When each Kubernetes minor version stopped receiving patches (kubernetes.io release history,
 * data/releases/eol.yaml of kubernetes/website, and the per-release pages for versions still in
 * support when the table was written). Versions newer than the table are not judged.
 */
const END_OF_SUPPORT_TABLE_DATE = '2026-11-23';
const END_OF_SUPPORT: Readonly<Record<string, string>> = Object.freeze({
  '1.2': '2016-10-23',
  '1.3': '2016-11-01',
  '1.4': '2017-04-21',
  '1.5': '2017-10-01',
  '1.6': '2017-11-23',
  '1.7': '2018-04-04',
  '1.8': '2018-07-12',
  '1.9': '2018-09-29',
  '1.10': '2019-02-13',
  '1.11': '2019-05-01',
  '1.12': '2019-07-08',
  '1.13': '2019-10-15',
  '1.14': '2019-12-11',
  '1.15': '2020-05-06',
  '1.16': '2020-09-02',
  '1.17': '2021-01-13',
  '1.18': '2021-06-18',
  '1.19': '2021-10-28',
  '1.20': '2022-02-28',
  '1.21': '2022-06-28',
  '1.22': '2022-12-08',
  '1.23': '2023-02-28',
  '1.24': '2023-07-28',
  '1.25': '2023-10-28',
  '1.26': '2024-02-28',
  '1.27': '2024-07-16',
  '1.28': '2024-10-22',
  '1.29': '2025-02-28',
  '1.30': '2025-07-15',
  '1.31': '2025-11-11',
  '1.32': '2026-02-28',
  '1.33': '2026-06-28',
  '1.34': '2026-10-27',
  '1.35': '2027-02-28',
  '1.36': '2027-06-28',
});

const RELEASES_DOC = 'https://kubernetes.io/releases/';
const SKEW_DOC = 'https://kubernetes.io/releases/version-skew-policy/';
const PSA_DOC = 'https://kubernetes.io/docs/concepts/security/pod-security-admission/';
const PSA_LABELS_DOC = 'https://kubernetes.io/docs/tasks/configure-pod-container/enforce-standards-namespace-labels/';
const WEBHOOK_DOC = 'https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#failure-policy';

interface MinorVersion {
  major: number;
  minor: number;
  text: string;
}

/** "v1.20.2", "1.27.3-eks-abc", "1.30": major and minor; undefined for anything else. */
function parseMinor(value: unknown): MinorVersion | undefined {
  const text = asString(value);
  if (text === undefined) return undefined;
  const m = /^v?(\d+)\.(\d+)(?:\.|$|[-+])/.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), text: text.trim() };
}

/** The API server's version from the run's ClusterInfo object, if the run came from a cluster. */
function serverVersionOf(info: Resource | undefined): MinorVersion | undefined {
  if (!info) return undefined;
  return parseMinor(fieldAt(info.object, 'serverVersion', 'gitVersion'));
}

function clusterInfo(context: RuleContext): Resource | undefined {
  return context.resources.ofKind(CLUSTER_INFO_KIND).find((r) => r.apiVersion === CLUSTER_INFO_API_VERSION);
}

function isClusterInfo(resource: Resource): boolean {
  return resource.kind === CLUSTER_INFO_KIND && resource.apiVersion === CLUSTER_INFO_API_VERSION;
}

const CLUSTER_INFO_EXAMPLE = (gitVersion: string, observedAt = '2026-11-23'): string => `apiVersion: kshield.io/v1
kind: ClusterInfo
metadata:
  name: prod
serverVersion:
  gitVersion: ${gitVersion}
observedAt: "${observedAt}"`;

// ---------------------------------------------------------------------------------------------
// Server version past its end of support

const clusterVersionEndOfSupport = defineRule({
  id: 'cluster-version-end-of-support',
  title: 'Kubernetes version past its end of support',
  severity: 'high',
  category: 'api',
  tags: ['cluster', 'cis'],
  description:
    'The API server runs a Kubernetes minor version that the Kubernetes project no longer patches: security fixes ' +
    `published since its end-of-support date do not reach it. kshield ships the table of end dates (written ${END_OF_SUPPORT_TABLE_DATE}) ` +
    'and compares it with the date of the scan. Only `kshield cluster` knows the server version; manifests are not judged.',
  remediation: 'Upgrade the control plane (then the nodes) to a supported minor version; see the Kubernetes release history.',
  references: [RELEASES_DOC, SKEW_DOC],
  appliesTo: [CLUSTER_INFO_KIND],
  check(resource) {
    if (!isClusterInfo(resource)) return [];
    const version = parseMinor(fieldAt(resource.object, 'serverVersion', 'gitVersion'));
    const observedAt = asString(resource.object.observedAt);
    if (!version || observedAt === undefined || !/^\d{4}-\d{2}-\d{2}/.test(observedAt)) return [];
    const end = END_OF_SUPPORT[`${version.major}.${version.minor}`];
    if (end === undefined || observedAt.slice(0, 10) <= end) return [];
    return [
      {
        path: '/serverVersion/gitVersion',
        message:
          `the API server runs Kubernetes ${version.text}: ${version.major}.${version.minor} reached its end of support on ${end} ` +
          `and gets no security fixes (end-of-support table of ${END_OF_SUPPORT_TABLE_DATE}, scan of ${observedAt.slice(0, 10)})`,
      },
    ];
  },
  examples: {
    valid: [CLUSTER_INFO_EXAMPLE('v1.35.3'), CLUSTER_INFO_EXAMPLE('v1.34.1', '2026-10-01'), CLUSTER_INFO_EXAMPLE('v1.99.0')],
    invalid: [CLUSTER_INFO_EXAMPLE('v1.20.2'), CLUSTER_INFO_EXAMPLE('v1.34.1')],
  },
});

// ---------------------------------------------------------------------------------------------
// Kubelet version skew

/**
 * The version skew policy: a kubelet must not be newer than kube-apiserver, and may be up to three
 * minor versions older (a kubelet older than 1.25 only two).
 */
function kubeletSkewProblem(kubelet: MinorVersion, server: MinorVersion): string | undefined {
  if (kubelet.major !== server.major) return kubelet.major > server.major ? 'is newer than the API server' : 'is a different major version than the API server';
  if (kubelet.minor > server.minor) return `is newer than the API server (${server.text}); a kubelet must never be newer`;
  const allowed = kubelet.major === 1 && kubelet.minor < 25 ? 2 : 3;
  const lag = server.minor - kubelet.minor;
  if (lag > allowed) return `is ${lag} minor versions older than the API server (${server.text}); at most ${allowed} are supported`;
  return undefined;
}

const nodeKubeletVersionSkew = defineRule({
  id: 'node-kubelet-version-skew',
  title: 'Kubelet version outside the supported skew',
  severity: 'medium',
  category: 'api',
  tags: ['cluster'],
  description:
    "A node's kubelet is newer than the API server, or older than the version skew policy allows (three minor versions; " +
    'two for kubelets older than 1.25). Such nodes run untested combinations and usually miss security fixes. Judged only in ' +
    '`kshield cluster`, where the API server version is known.',
  remediation: 'Upgrade the kubelet on the node (drain it first), or replace the node with one at a supported version.',
  references: [SKEW_DOC],
  appliesTo: ['Node'],
  reads: [CLUSTER_INFO_KIND],
  check(resource, context) {
    const server = serverVersionOf(clusterInfo(context));
    if (!server) return [];
    const raw = fieldAt(resource.object, 'status', 'nodeInfo', 'kubeletVersion');
    const kubelet = parseMinor(raw);
    if (!kubelet) return [];
    const problem = kubeletSkewProblem(kubelet, server);
    if (!problem) return [];
    return [{ path: '/status/nodeInfo/kubeletVersion', message: `node "${resource.name}" runs kubelet ${kubelet.text}, which ${problem}` }];
  },
  examples: {
    valid: [
      `${CLUSTER_INFO_EXAMPLE('v1.30.2')}
---
apiVersion: v1
kind: Node
metadata:
  name: worker-1
status:
  nodeInfo:
    kubeletVersion: v1.27.9`,
      `${CLUSTER_INFO_EXAMPLE('v1.20.2')}
---
apiVersion: v1
kind: Node
metadata:
  name: worker-1
status:
  nodeInfo:
    kubeletVersion: v1.18.20`,
    ],
    invalid: [
      `${CLUSTER_INFO_EXAMPLE('v1.30.2')}
---
apiVersion: v1
kind: Node
metadata:
  name: worker-old
status:
  nodeInfo:
    kubeletVersion: v1.26.15`,
      `${CLUSTER_INFO_EXAMPLE('v1.26.1')}
---
apiVersion: v1
kind: Node
metadata:
  name: worker-old
status:
  nodeInfo:
    kubeletVersion: v1.23.17`,
      `${CLUSTER_INFO_EXAMPLE('v1.29.0')}
---
apiVersion: v1
kind: Node
metadata:
  name: worker-new
status:
  nodeInfo:
    kubeletVersion: v1.30.1`,
    ],
  },
});

// ---------------------------------------------------------------------------------------------
// Pod Security Admission labels

const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';
/** Pod Security Admission is on by default from 1.23 (beta), GA in 1.25. */
const PSA_SINCE_MINOR = 23;

const namespacePodSecurityEnforce = defineRule({
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
      `apiVersion: v1
kind: Namespace
metadata:
  name: shop`,
      `apiVersion: v1
kind: Namespace
metadata:
  name: tools
  labels:
    pod-security.kubernetes.io/enforce: privileged`,
      `${CLUSTER_INFO_EXAMPLE('v1.20.2')}
---
apiVersion: v1
kind: Namespace
metadata:
  name: shop`,
    ],
  },
});

// ---------------------------------------------------------------------------------------------
// Admission webhooks that fail open

const webhookFailOpen = defineRule({
  id: 'webhook-failure-policy-ignore',
  title: 'Admission webhook fails open',
  severity: 'info',
  category: 'api',
  tags: ['cluster', 'admission'],
  description:
    'A validating or mutating admission webhook with `failurePolicy: Ignore` lets requests through unchecked whenever the ' +
    'webhook times out or is down; a policy engine set up this way can be switched off by overloading it. admissionregistration ' +
    'v1beta1 defaulted to Ignore, v1 defaults to Fail. Reported for information: Ignore is right for webhooks that enforce no policy.',
  remediation: 'Set `failurePolicy: Fail` on webhooks that enforce security policy, and run them highly available with a short timeoutSeconds.',
  references: [WEBHOOK_DOC],
  appliesTo: ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'],
  check(resource) {
    const out: Violation[] = [];
    const defaultsToIgnore = resource.apiVersion === 'admissionregistration.k8s.io/v1beta1';
    asArray(resource.object.webhooks).forEach((hook, i) => {
      if (!isObject(hook)) return;
      const policy = hook.failurePolicy;
      const name = asString(hook.name) ?? `#${i + 1}`;
      if (policy === 'Ignore' || (policy === undefined && defaultsToIgnore)) {
        out.push({
          path: policy === undefined ? `/webhooks/${i}` : `/webhooks/${i}/failurePolicy`,
          message: `webhook "${name}" of ${resource.kind} "${resource.name}" fails open (failurePolicy Ignore${policy === undefined ? ', the v1beta1 default' : ''}): when it cannot be reached, requests are admitted unchecked`,
          key: name,
        });
      }
    });
    return out;
  },
  examples: {
    valid: [
      `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: policy
webhooks:
  - name: validate.policy.example.com
    failurePolicy: Fail
    sideEffects: None
    admissionReviewVersions: ["v1"]
    clientConfig:
      service: { name: policy, namespace: policy-system }`,
      `apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: defaults
webhooks:
  - name: defaults.example.com
    sideEffects: None
    admissionReviewVersions: ["v1"]
    clientConfig:
      service: { name: defaults, namespace: ops }`,
    ],
    invalid: [
      `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: policy
webhooks:
  - name: validate.policy.example.com
    failurePolicy: Ignore
    sideEffects: None
    admissionReviewVersions: ["v1"]
    clientConfig:
      service: { name: policy, namespace: policy-system }`,
      `apiVersion: admissionregistration.k8s.io/v1beta1
kind: MutatingWebhookConfiguration
metadata:
  name: injector
webhooks:
  - name: inject.example.com
    clientConfig:
      service: { name: injector, namespace: ops }`,
    ],
  },
});

export const clusterRules: readonly Rule[] = [clusterVersionEndOfSupport, nodeKubeletVersionSkew, namespacePodSecurityEnforce, webhookFailOpen];

