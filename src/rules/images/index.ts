/** Image hygiene: tags, digests, pull policy, registries. */
import type { Rule } from '../../engine/rule.js';
import { imageTagLatest } from './image-tag-latest.js';
import { imageTagMissing } from './image-tag-missing.js';
import { imageNotPinnedByDigest } from './image-not-pinned-by-digest.js';
import { imagePullPolicyNotAlways } from './image-pull-policy-not-always.js';
import { imageRegistryNotAllowed } from './image-registry-not-allowed.js';
import { imageReferenceInvalid } from './image-reference-invalid.js';

export const imageRules: Rule[] = [imageTagLatest, imageTagMissing, imageNotPinnedByDigest, imagePullPolicyNotAlways, imageRegistryNotAllowed, imageReferenceInvalid];
