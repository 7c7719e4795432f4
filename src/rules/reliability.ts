/** Reliability checks users expect from a linter: probes, replicas, disruption budgets, autoscalers. */
import type { Rule } from '../core/rule.js';

export const reliabilityRules: Rule[] = [];
