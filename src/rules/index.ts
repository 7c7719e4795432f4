/** The rule catalogue: every family's rules, in a stable order. */
import type { Rule } from '../engine/rule.js';
import { podSecurityRules } from './pod-security/index.js';
import { workloadRules } from './workload/index.js';
import { imageRules } from './images/index.js';
import { metadataRules } from './metadata/index.js';
import { reliabilityRules } from './reliability/index.js';
import { secretsRules } from './secrets/index.js';
import { exposureRules } from './exposure/index.js';
import { rbacRules } from './rbac/index.js';
import { networkRules } from './network/index.js';
import { meshRules } from './mesh/index.js';
import { clusterRules } from './cluster/index.js';
import { controlPlaneRules } from './control-plane/index.js';
import { suppressionRules } from './suppressions/index.js';
import { dockerfileRules } from './dockerfile/index.js';
import { containerImageRules } from './container-image/index.js';
import { dependencyRules } from './dependencies/index.js';
import { correlationRules } from './correlation/index.js';
import { driftRules } from './drift/index.js';
import { auditRules } from './audit/index.js';
import { storageRules } from './storage/index.js';
import { tenancyRules } from './tenancy/index.js';

export const rules: readonly Rule[] = Object.freeze([...podSecurityRules, ...workloadRules, ...imageRules, ...metadataRules, ...reliabilityRules, ...secretsRules, ...exposureRules, ...rbacRules, ...networkRules, ...meshRules, ...clusterRules, ...controlPlaneRules, ...dockerfileRules, ...containerImageRules, ...dependencyRules, ...correlationRules, ...driftRules, ...auditRules, ...storageRules, ...tenancyRules, ...suppressionRules]);

const byId = new Map(rules.map((r) => [r.id, r]));
if (byId.size !== rules.length) {
  const seen = new Set<string>();
  const dup = rules.find((r) => (seen.has(r.id) ? true : (seen.add(r.id), false)));
  throw new Error(`duplicate rule id in the catalogue: ${dup?.id}`);
}

export function findRule(id: string): Rule | undefined {
  return byId.get(id);
}

/** Every tag used by some rule. */
export function allTags(): string[] {
  return [...new Set(rules.flatMap((r) => r.tags))].sort();
}
