/**
 * What the storage rules share: which provisioners encrypt volumes at rest, under which StorageClass
 * parameters, and whether the platform encrypts them anyway.
 *
 * Facts from each driver's documentation (parameter names and defaults):
 * - AWS EBS (`ebs.csi.aws.com`, in-tree `kubernetes.io/aws-ebs`): `encrypted: "true"` encrypts the
 *   volume, with `kmsKeyId` (a key ARN) or else the account's AWS-managed `aws/ebs` key. Without it the
 *   volume is unencrypted unless the account has EBS encryption by default turned on for the region,
 *   which is an account setting the Kubernetes API does not show.
 * - GCE PD (`pd.csi.storage.gke.io`, in-tree `kubernetes.io/gce-pd`): every disk is encrypted with a
 *   Google-managed key; `disk-encryption-kms-key` names a customer-managed key (CMEK) instead.
 * - Azure Disk (`disk.csi.azure.com`, in-tree `kubernetes.io/azure-disk`): managed disks are encrypted
 *   with platform-managed keys (server-side encryption); `diskEncryptionSetID` names a disk encryption
 *   set holding a customer-managed key, and `diskEncryptionType` picks customer key only or both.
 *   The driver reads parameter names case-insensitively.
 * - Ceph RBD (`rbd.csi.ceph.com`, and Rook's `<namespace>.rbd.csi.ceph.com`): `encrypted: "true"`
 *   makes ceph-csi put the image under LUKS (dm-crypt) with the key from `encryptionKMSID`'s KMS;
 *   otherwise the image is stored as written (OSD-level encryption, if any, is invisible here).
 * - Longhorn (`driver.longhorn.io`): `encrypted: "true"` puts the volume under dm-crypt, with the key
 *   in the Secret the `csi.storage.k8s.io/*-secret-name` parameters name.
 */
import type { Resource } from '../../core/types.js';
import { asString, fieldAt, isObject, stringMap } from '../../core/values.js';

export const STORAGE_CLASS_DOC = 'https://kubernetes.io/docs/concepts/storage/storage-classes/';
export const EBS_DOC = 'https://github.com/kubernetes-sigs/aws-ebs-csi-driver/blob/master/docs/parameters.md';
export const PD_DOC = 'https://cloud.google.com/kubernetes-engine/docs/how-to/using-cmek';
export const AZURE_DOC = 'https://github.com/kubernetes-sigs/azuredisk-csi-driver/blob/master/docs/driver-parameters.md';
export const CEPH_DOC = 'https://github.com/ceph/ceph-csi/blob/devel/docs/deploy-rbd.md';
export const LONGHORN_DOC = 'https://longhorn.io/docs/latest/advanced-resources/security/volume-encryption/';

export type Platform = 'aws-ebs' | 'gce-pd' | 'azure-disk' | 'ceph-rbd' | 'longhorn';

export const PLATFORM_NAMES: Record<Platform, string> = {
  'aws-ebs': 'AWS EBS',
  'gce-pd': 'GCE persistent disk',
  'azure-disk': 'Azure Disk',
  'ceph-rbd': 'Ceph RBD',
  longhorn: 'Longhorn',
};

/** The platform a provisioner name stands for, or undefined for one kshield does not know. */
export function platformOf(provisioner: string): Platform | undefined {
  switch (provisioner) {
    case 'ebs.csi.aws.com':
    case 'kubernetes.io/aws-ebs':
      return 'aws-ebs';
    case 'pd.csi.storage.gke.io':
    case 'kubernetes.io/gce-pd':
      return 'gce-pd';
    case 'disk.csi.azure.com':
    case 'kubernetes.io/azure-disk':
      return 'azure-disk';
    case 'driver.longhorn.io':
      return 'longhorn';
  }
  // Rook names the driver after its operator's namespace: rook-ceph.rbd.csi.ceph.com.
  if (provisioner === 'rbd.csi.ceph.com' || /^[a-z0-9-]+\.rbd\.csi\.ceph\.com$/.test(provisioner)) return 'ceph-rbd';
  return undefined;
}

/** How a StorageClass's volumes are kept at rest, as far as its parameters say. */
export interface AtRest {
  platform: Platform;
  /**
   * `unencrypted`: the class does not ask for encryption and the platform does not encrypt by itself
   * (EBS: unless account-level default encryption is on); `platform-key`: encrypted, but with a key
   * the provider manages; `customer-key`: encrypted with a key the class names.
   */
  state: 'unencrypted' | 'platform-key' | 'customer-key';
  /** The parameter that decides it (its key as written), when one does. */
  parameter?: string;
}

/** A parameter looked up by name, case-sensitively or (Azure) not; its key as written and its value. */
function param(params: Record<string, string>, name: string, caseInsensitive = false): { key: string; value: string } | undefined {
  if (params[name] !== undefined) return { key: name, value: params[name] };
  if (!caseInsensitive) return undefined;
  const lower = name.toLowerCase();
  const key = Object.keys(params).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : { key, value: params[key] };
}

/** The driver reads "true" with Go's strconv.ParseBool: 1, t, T, TRUE, true, True. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value.trim());
}

export function isStorageClass(resource: Resource): boolean {
  return resource.kind === 'StorageClass' && /^storage\.k8s\.io\//.test(resource.apiVersion);
}

/** How a StorageClass keeps its volumes at rest; undefined for a provisioner kshield does not know. */
export function atRest(resource: Resource): AtRest | undefined {
  if (!isStorageClass(resource)) return undefined;
  const provisioner = asString(resource.object.provisioner);
  const platform = provisioner === undefined ? undefined : platformOf(provisioner.trim());
  if (!platform) return undefined;
  const params = isObject(resource.object.parameters) ? stringMap(resource.object.parameters) : {};
  switch (platform) {
    case 'aws-ebs': {
      const encrypted = param(params, 'encrypted');
      if (!isTrue(encrypted?.value)) return { platform, state: 'unencrypted', parameter: encrypted?.key };
      const key = param(params, 'kmsKeyId');
      return key && key.value.trim() ? { platform, state: 'customer-key', parameter: key.key } : { platform, state: 'platform-key', parameter: encrypted?.key };
    }
    case 'gce-pd': {
      const key = param(params, 'disk-encryption-kms-key');
      return key && key.value.trim() ? { platform, state: 'customer-key', parameter: key.key } : { platform, state: 'platform-key' };
    }
    case 'azure-disk': {
      const set = param(params, 'diskEncryptionSetID', true);
      return set && set.value.trim() ? { platform, state: 'customer-key', parameter: set.key } : { platform, state: 'platform-key' };
    }
    case 'ceph-rbd': {
      const encrypted = param(params, 'encrypted');
      return isTrue(encrypted?.value) ? { platform, state: 'customer-key', parameter: encrypted?.key } : { platform, state: 'unencrypted', parameter: encrypted?.key };
    }
    case 'longhorn': {
      const encrypted = param(params, 'encrypted');
      return isTrue(encrypted?.value) ? { platform, state: 'customer-key', parameter: encrypted?.key } : { platform, state: 'unencrypted', parameter: encrypted?.key };
    }
  }
}

/** The pointer of a parameter (keys with `/` escaped), or of the parameters map, or of the provisioner. */
export function parameterPath(resource: Resource, key: string | undefined): string {
  if (key !== undefined) return `/parameters/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  return isObject(resource.object.parameters) ? '/parameters' : '/provisioner';
}

/** What kshield cannot see and the user has to check, per platform, for an unencrypted class. */
export function unencryptedWhy(platform: Platform): string {
  switch (platform) {
    case 'aws-ebs':
      return 'its volumes are unencrypted unless EBS encryption by default is turned on for the account and region, which the Kubernetes API does not show';
    case 'ceph-rbd':
      return 'ceph-csi writes its images without LUKS encryption (only OSD-level encryption, invisible here, would cover them)';
    case 'longhorn':
      return 'Longhorn stores its volumes unencrypted (only an encrypted disk under the Longhorn data path, invisible here, would cover them)';
    default:
      return 'its volumes are not encrypted';
  }
}

// ---------------------------------------------------------------------------------------------
// Which class a volume or claim is provisioned from

export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';

/**
 * The StorageClass a PersistentVolume or PersistentVolumeClaim names: `spec.storageClassName`, else
 * the beta annotation older objects carry; "" means no class. A claim without either gets the default
 * class at admission (DefaultStorageClass), which `defaultClass` finds.
 */
export function className(resource: Resource): string | undefined {
  const spec = fieldAt(resource.object, 'spec');
  const named = isObject(spec) ? asString(spec.storageClassName) : undefined;
  if (named !== undefined) return named;
  return asString(stringMap(fieldAt(resource.object, 'metadata', 'annotations'))['volume.beta.kubernetes.io/storage-class']);
}

/** The one StorageClass marked default among those given; none when no class or several are. */
export function defaultClass(classes: readonly Resource[]): Resource | undefined {
  const marked = classes.filter((c) => stringMap(fieldAt(c.object, 'metadata', 'annotations'))[DEFAULT_CLASS_ANNOTATION] === 'true');
  return marked.length === 1 ? marked[0] : undefined;
}
