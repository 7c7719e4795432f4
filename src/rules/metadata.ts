/** Object metadata and API usage: ownership labels, namespaces, deprecated API versions. */
import type { Rule } from '../core/rule.js';

export const metadataRules: Rule[] = [];
