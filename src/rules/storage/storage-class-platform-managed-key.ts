import { defineRule } from '../define.js';
import { AZURE_DOC, EBS_DOC, PD_DOC, PLATFORM_NAMES, STORAGE_CLASS_DOC, atRest, parameterPath } from './shared.js';

const storageClass = (name: string, provisioner: string, parameters: string): string => `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: ${name}
provisioner: ${provisioner}
parameters:
${parameters}`;

const KEY_PARAMETER: Record<string, string> = { 'aws-ebs': 'kmsKeyId', 'gce-pd': 'disk-encryption-kms-key', 'azure-disk': 'diskEncryptionSetID' };

export const storageClassPlatformManagedKey = defineRule({
  id: 'storage-class-platform-managed-key',
  title: 'StorageClass encrypts with a key the cloud provider manages',
  severity: 'info',
  category: 'storage',
  tags: ['storage', 'encryption-at-rest'],
  appliesTo: ['StorageClass'],
  description:
    'The volumes of this class are encrypted at rest, but with a key the provider holds and manages: GCE persistent disks without ' +
    '`disk-encryption-kms-key` (Google-managed key), Azure managed disks without `diskEncryptionSetID` (platform-managed key), AWS EBS ' +
    'with `encrypted: "true"` and no `kmsKeyId` (the account\'s `aws/ebs` key). That protects a stolen disk, not data you must be able to ' +
    'revoke, rotate on your schedule or keep away from the provider: policies that require customer-managed keys (CMEK) ask for the key ' +
    'parameter. Information only.',
  remediation:
    'Where customer-managed keys are required, name one: `kmsKeyId` (EBS), `disk-encryption-kms-key` (GCE PD, a Cloud KMS key), ' +
    '`diskEncryptionSetID` (Azure Disk, a disk encryption set). Parameters are immutable: create a new class and move the volumes.',
  references: [STORAGE_CLASS_DOC, EBS_DOC, PD_DOC, AZURE_DOC],
  check(resource) {
    const state = atRest(resource);
    if (!state || state.state !== 'platform-key') return [];
    return [
      {
        path: parameterPath(resource, state.parameter),
        message: `StorageClass "${resource.name}" (${PLATFORM_NAMES[state.platform]}) encrypts its volumes with a provider-managed key: no ${KEY_PARAMETER[state.platform]} names a key you manage`,
      },
    ];
  },
  examples: {
    valid: [
      storageClass('pd-cmek', 'pd.csi.storage.gke.io', '  type: pd-balanced\n  disk-encryption-kms-key: projects/p/locations/europe-west1/keyRings/k8s/cryptoKeys/pd'),
      storageClass('managed-cmk', 'disk.csi.azure.com', '  skuName: Premium_LRS\n  DiskEncryptionSetID: /subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/diskEncryptionSets/des'),
      storageClass('gp3', 'ebs.csi.aws.com', '  type: gp3'),
    ],
    invalid: [
      { manifest: storageClass('standard-rwo', 'pd.csi.storage.gke.io', '  type: pd-balanced'), expect: ['/parameters'] },
      { manifest: storageClass('managed-csi', 'disk.csi.azure.com', '  skuName: StandardSSD_LRS'), expect: ['/parameters'] },
      { manifest: storageClass('gp3-encrypted', 'ebs.csi.aws.com', '  type: gp3\n  encrypted: "true"'), expect: [{ path: '/parameters/encrypted', message: 'no kmsKeyId' }] },
    ],
  },
});
