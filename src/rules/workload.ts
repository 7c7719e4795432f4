/** Workload hardening beyond the Pod Security Standards. */
import type { Rule } from '../core/rule.js';

export const workloadRules: Rule[] = [];
