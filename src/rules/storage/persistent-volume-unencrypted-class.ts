import type { Resource } from '../../core/types.js';
import { asString, fieldAt, isObject } from '../../core/values.js';
import { defineRule } from '../define.js';
import { PLATFORM_NAMES, STORAGE_CLASS_DOC, atRest, className, defaultClass, isStorageClass } from './shared.js';

const CLASS = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: gp3
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: ebs.csi.aws.com
parameters:
  type: gp3`;

const ENCRYPTED_CLASS = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: gp3-encrypted
provisioner: ebs.csi.aws.com
parameters:
  type: gp3
  encrypted: "true"`;

const claim = (name: string, spec: string): string => `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: ${name}
  namespace: shop
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests: {storage: 10Gi}${spec}`;

const volume = (name: string, cls: string, claimName: string): string => `apiVersion: v1
kind: PersistentVolume
metadata:
  name: ${name}
spec:
  storageClassName: ${cls}
  capacity: {storage: 10Gi}
  accessModes: [ReadWriteOnce]
  claimRef: {namespace: shop, name: ${claimName}}
  csi:
    driver: ebs.csi.aws.com
    volumeHandle: vol-0a1b2c3d4e5f67890`;

/** The PersistentVolume of the set bound to this claim, by the claim's volumeName or the volume's claimRef. */
function boundVolume(claimObject: Resource, volumes: readonly Resource[]): Resource | undefined {
  const volumeName = asString(fieldAt(claimObject.object, 'spec', 'volumeName'));
  return volumes.find((v) => {
    if (volumeName !== undefined && v.name === volumeName) return true;
    const ref = fieldAt(v.object, 'spec', 'claimRef');
    return isObject(ref) && ref.name === claimObject.name && (ref.namespace ?? 'default') === (claimObject.namespace ?? 'default');
  });
}

export const persistentVolumeUnencryptedClass = defineRule({
  id: 'persistent-volume-unencrypted-class',
  title: 'Volume provisioned from a StorageClass without encryption at rest',
  severity: 'low',
  category: 'storage',
  tags: ['storage', 'encryption-at-rest', 'cross-resource'],
  appliesTo: ['PersistentVolume', 'PersistentVolumeClaim'],
  reads: ['StorageClass', 'PersistentVolume'],
  description:
    'A PersistentVolume whose StorageClass is reported by `storage-class-unencrypted` holds its data unencrypted (with the same caveat: ' +
    'encryption below the API, such as EBS encryption by default, is invisible here). This names the data concerned: a claim is ' +
    'reported when the scan holds no volume bound to it (in Git, claims come without volumes), a claim without `storageClassName` ' +
    'through the class marked default, since admission gives it that one. The class itself is reported once by its own rule.',
  remediation:
    'Provision the data again from an encrypted class (a new StorageClass with `encrypted: "true"`): create a claim of that class, copy the data ' +
    '(or restore a snapshot into it), and point the workload at the new claim. An existing volume does not become encrypted when its class changes.',
  references: [STORAGE_CLASS_DOC],
  check(resource, context) {
    if (resource.apiVersion !== 'v1') return [];
    const classes = context.resources.ofKind('StorageClass').filter(isStorageClass);
    if (resource.kind === 'PersistentVolumeClaim' && boundVolume(resource, context.resources.ofKind('PersistentVolume'))) return [];
    const named = className(resource);
    if (named === '') return [];
    const cls = named === undefined ? (resource.kind === 'PersistentVolumeClaim' ? defaultClass(classes) : undefined) : classes.find((c) => c.name === named);
    const state = cls && atRest(cls);
    if (!cls || !state || state.state !== 'unencrypted') return [];
    const what = resource.kind === 'PersistentVolume' ? `PersistentVolume "${resource.name}"` : `PersistentVolumeClaim "${resource.namespace ?? 'default'}/${resource.name}"`;
    const via = named === undefined ? `the default StorageClass "${cls.name}"` : `StorageClass "${cls.name}"`;
    const path = named === undefined ? '/spec' : fieldAt(resource.object, 'spec', 'storageClassName') !== undefined ? '/spec/storageClassName' : '/metadata/annotations/volume.beta.kubernetes.io~1storage-class';
    return [{ path, message: `${what} is provisioned from ${via} (${PLATFORM_NAMES[state.platform]}), which does not ask for encryption at rest` }];
  },
  examples: {
    valid: [
      [ENCRYPTED_CLASS, claim('orders-db', '\n  storageClassName: gp3-encrypted')].join('\n---\n'),
      [CLASS, claim('cache', '\n  storageClassName: ""')].join('\n---\n'),
      // The claim is bound to a volume in the scan: the volume is reported, not the claim too.
      [ENCRYPTED_CLASS, volume('pv-orders', 'gp3-encrypted', 'orders-db'), claim('orders-db', '\n  storageClassName: gp3-encrypted\n  volumeName: pv-orders')].join('\n---\n'),
    ],
    invalid: [
      { manifest: [CLASS, claim('orders-db', '\n  storageClassName: gp3')].join('\n---\n'), expect: ['/spec/storageClassName'] },
      { manifest: [CLASS, claim('orders-db', '')].join('\n---\n'), expect: [{ path: '/spec', message: 'the default StorageClass "gp3"' }] },
      { manifest: [CLASS, volume('pv-orders', 'gp3', 'orders-db'), claim('orders-db', '\n  storageClassName: gp3')].join('\n---\n'), expect: [{ path: '/spec/storageClassName', message: 'PersistentVolume "pv-orders"' }] },
    ],
  },
});
