/**
 * Storage encryption at rest: StorageClasses of the provisioners whose documentation names an
 * encryption parameter (AWS EBS, GCE PD, Azure Disk, Ceph RBD, Longhorn), judged for it, and the
 * volumes and claims provisioned from a class that does not encrypt. See shared.ts for the facts.
 */
import type { Rule } from '../../engine/rule.js';
import { storageClassUnencrypted } from './storage-class-unencrypted.js';
import { storageClassPlatformManagedKey } from './storage-class-platform-managed-key.js';
import { persistentVolumeUnencryptedClass } from './persistent-volume-unencrypted-class.js';

export const storageRules: Rule[] = [storageClassUnencrypted, storageClassPlatformManagedKey, persistentVolumeUnencryptedClass];
