/** Image hygiene: tags, digests, pull policy, registries. */
import type { Rule } from '../core/rule.js';

export const imageRules: Rule[] = [];
