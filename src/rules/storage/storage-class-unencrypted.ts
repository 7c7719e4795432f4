import { defineRule } from '../define.js';
import { CEPH_DOC, EBS_DOC, LONGHORN_DOC, PLATFORM_NAMES, STORAGE_CLASS_DOC, atRest, parameterPath, unencryptedWhy } from './shared.js';

const storageClass = (name: string, provisioner: string, parameters: string): string => `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: ${name}
provisioner: ${provisioner}${parameters ? `\nparameters:\n${parameters}` : ''}`;

export const storageClassUnencrypted = defineRule({
  id: 'storage-class-unencrypted',
  title: 'StorageClass provisions volumes without encryption at rest',
  severity: 'low',
  category: 'storage',
  tags: ['storage', 'encryption-at-rest'],
  appliesTo: ['StorageClass'],
  description:
    'A StorageClass of a provisioner that encrypts only when asked does not ask: AWS EBS (`ebs.csi.aws.com`, `kubernetes.io/aws-ebs`) ' +
    'without `encrypted: "true"`, Ceph RBD (`rbd.csi.ceph.com`, Rook\'s `<namespace>.rbd.csi.ceph.com`) or Longhorn (`driver.longhorn.io`) ' +
    'without `encrypted: "true"`. Data on those volumes, their snapshots and backups is readable by whoever gets the disk. Low, not ' +
    'higher: each platform can encrypt underneath where the Kubernetes API cannot see it (EBS encryption by default for the account ' +
    'and region, encrypted Ceph OSDs, an encrypted disk under Longhorn). GCE persistent disks and Azure managed disks are always ' +
    'encrypted by the platform and are not reported here (see `storage-class-platform-managed-key`).',
  remediation:
    'Set `encrypted: "true"` in the class parameters (EBS: with `kmsKeyId` for a key you manage; Ceph RBD: with `encryptionKMSID`; Longhorn: with ' +
    'the `csi.storage.k8s.io/*-secret-name` parameters naming the key Secret). Parameters are immutable: create a new class and move the volumes.',
  references: [STORAGE_CLASS_DOC, EBS_DOC, CEPH_DOC, LONGHORN_DOC],
  check(resource) {
    const state = atRest(resource);
    if (!state || state.state !== 'unencrypted') return [];
    const asked = state.parameter === undefined ? 'does not set encrypted: "true"' : 'sets encrypted to something other than "true"';
    return [{ path: parameterPath(resource, state.parameter), message: `StorageClass "${resource.name}" (${PLATFORM_NAMES[state.platform]}) ${asked}: ${unencryptedWhy(state.platform)}` }];
  },
  examples: {
    valid: [
      storageClass('gp3-encrypted', 'ebs.csi.aws.com', '  type: gp3\n  encrypted: "true"\n  kmsKeyId: arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
      storageClass('ceph-block', 'rook-ceph.rbd.csi.ceph.com', '  clusterID: rook-ceph\n  pool: replicapool\n  encrypted: "true"\n  encryptionKMSID: vault-tenant'),
      storageClass('standard-rwo', 'pd.csi.storage.gke.io', '  type: pd-balanced'),
      storageClass('local', 'kubernetes.io/no-provisioner', ''),
    ],
    invalid: [
      { manifest: storageClass('gp3', 'ebs.csi.aws.com', '  type: gp3'), expect: ['/parameters'] },
      { manifest: storageClass('gp2', 'kubernetes.io/aws-ebs', ''), expect: ['/provisioner'] },
      { manifest: storageClass('ceph-block', 'rbd.csi.ceph.com', '  clusterID: c1\n  pool: rbd\n  encrypted: "false"'), expect: ['/parameters/encrypted'] },
      { manifest: storageClass('longhorn', 'driver.longhorn.io', '  numberOfReplicas: "3"'), expect: [{ path: '/parameters', message: 'Longhorn' }] },
    ],
  },
});
