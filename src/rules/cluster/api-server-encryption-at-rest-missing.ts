import type { Resource } from '../../core/types.js';
import { asArray, fieldAt } from '../../core/values.js';
import { controlPlaneFailures, mirrorPod, withArgs } from '../control-plane/shared.js';
import { defineRule } from '../define.js';
import { CLUSTER_INFO_EXAMPLE, CLUSTER_INFO_KIND, isClusterInfo } from './shared.js';

const ENCRYPTION_DOC = 'https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/';

/** The node check of `kshield node` that reads the flag; 1.2.29 reads the file's providers. */
const FLAG_CHECK = '1.2.28';

const info = (transformers: string): string => `${CLUSTER_INFO_EXAMPLE('v1.30.2')}\nstorageTransformers:\n${transformers}`;

/** A kube-apiserver mirror pod that already fails the flag check: the control-plane rule reports that cause. */
function flagAlreadyReported(context: { resources: { ofKind(kind: string): readonly Resource[] } }): boolean {
  return context.resources.ofKind('Pod').some((p) => controlPlaneFailures(p.object).some((f) => f.check.check.id === FLAG_CHECK));
}

function strings(value: unknown): string[] {
  return asArray(value).filter((v): v is string => typeof v === 'string');
}

export const apiServerEncryptionAtRestMissing = defineRule({
  id: 'api-server-encryption-at-rest-missing',
  title: 'API server stores resources without encryption at rest',
  severity: 'medium',
  category: 'api',
  tags: ['cluster', 'encryption-at-rest', 'secrets', 'cis'],
  appliesTo: [CLUSTER_INFO_KIND],
  reads: [CLUSTER_INFO_KIND, 'Pod'],
  description:
    "`kshield cluster` reads the API server's own metrics (`apiserver_storage_transformation_operations_total`, where the identity may " +
    'read /metrics): with an EncryptionConfiguration each write of a resource it lists goes through its first provider, whose prefix ' +
    'the metric names (`k8s:enc:aescbc:v1:`, `k8s:enc:kms:v2:`, ...), or an empty prefix when that provider is `identity`. Reported when ' +
    'no transformation ran at all (no EncryptionConfiguration: Secrets sit in etcd and its backups as base64, readable by anyone with ' +
    'the etcd data) or when writes go through `identity` first. The metric says which providers ran, not for which resources, and ' +
    'comes from the one API server instance that answered. A kube-apiserver mirror pod without `--encryption-provider-config` is ' +
    '`control-plane-insecure-flag` (CIS 1.2.28) and not reported again here. On the control-plane node, `kshield node` reads the ' +
    'EncryptionConfiguration itself (checks 1.2.28 and 1.2.29: the flag, and a strong first provider for secrets).',
  remediation:
    'Write an EncryptionConfiguration listing secrets (and other sensitive resources) with kms (v2), aescbc or secretbox first and identity last, ' +
    'point --encryption-provider-config at it, restart the API servers, then rewrite existing data (kubectl get secrets -A -o json | kubectl replace -f -). ' +
    'Managed services: turn on their secrets encryption (envelope encryption with a cloud KMS key).',
  references: [ENCRYPTION_DOC, 'https://kubernetes.io/docs/reference/instrumentation/metrics/'],
  frameworks: { cis: ['1.2.27', '1.2.28'] },
  check(resource, context) {
    if (!isClusterInfo(resource)) return [];
    const t = fieldAt(resource.object, 'storageTransformers');
    if (t === undefined) return [];
    const toStorage = strings(fieldAt(t, 'toStorage'));
    const fromStorage = strings(fieldAt(t, 'fromStorage'));
    const encryptedBefore = fromStorage.filter((p) => p.startsWith('k8s:enc:'));
    if (toStorage.length === 0 && fromStorage.length === 0) {
      if (flagAlreadyReported(context)) return [];
      return [
        {
          path: '/storageTransformers',
          message: `the API server's metrics show no storage transformation since it started: no EncryptionConfiguration is in effect (no --encryption-provider-config), so Secrets are stored in etcd unencrypted; kshield node checks ${FLAG_CHECK} and 1.2.29 judge it on the control-plane node`,
        },
      ];
    }
    if (toStorage.length > 0 && toStorage.every((p) => p === '')) {
      return [
        {
          path: '/storageTransformers/toStorage',
          message:
            `the API server writes through the identity provider first: its EncryptionConfiguration stores new data unencrypted` +
            (encryptedBefore.length ? ` (data written earlier is still read with ${encryptedBefore.join(', ')})` : '') +
            '; kshield node check 1.2.29 judges the provider order on the control-plane node',
        },
      ];
    }
    return [];
  },
  examples: {
    valid: [
      info('  toStorage: ["k8s:enc:aescbc:v1:"]\n  fromStorage: ["k8s:enc:aescbc:v1:", identity]'),
      info('  toStorage: []\n  fromStorage: ["k8s:enc:kms:v2:"]'),
      CLUSTER_INFO_EXAMPLE('v1.30.2'),
      // The mirror pod shows the flag missing: control-plane-insecure-flag reports that one cause.
      `${info('  toStorage: []\n  fromStorage: []')}\n---\n${mirrorPod('kube-apiserver', 'cp-1', withArgs('apiserver', { 'encryption-provider-config': undefined }))}`,
    ],
    invalid: [
      { manifest: info('  toStorage: []\n  fromStorage: []'), expect: [{ path: '/storageTransformers', message: 'no EncryptionConfiguration is in effect' }] },
      { manifest: info('  toStorage: [""]\n  fromStorage: [identity, "k8s:enc:aescbc:v1:"]'), expect: [{ path: '/storageTransformers/toStorage', message: 'still read with k8s:enc:aescbc:v1:' }] },
    ],
  },
});
