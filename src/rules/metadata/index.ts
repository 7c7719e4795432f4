/** Object metadata and API usage: ownership labels, label syntax, namespaces, deprecated and removed API versions. */
import type { Rule } from '../../engine/rule.js';
import { missingRequiredLabels } from './missing-required-labels.js';
import { defaultNamespace } from './default-namespace.js';
import { namespaceNotSet } from './namespace-not-set.js';
import { removedApiVersion } from './removed-api-version.js';
import { deprecatedApiVersion } from './deprecated-api-version.js';
import { invalidLabel } from './invalid-label.js';
import { instanceLabelMismatch } from './instance-label-mismatch.js';

export const metadataRules: Rule[] = [missingRequiredLabels, defaultNamespace, namespaceNotSet, removedApiVersion, deprecatedApiVersion, invalidLabel, instanceLabelMismatch];
