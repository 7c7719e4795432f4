/**
 * Tenant isolation, one object at a time: tenant namespaces without a ResourceQuota or LimitRange,
 * RoleBindings and ExternalName Services that reach into another tenant, hostPaths two tenants share.
 * Which namespaces are tenants: src/analysis/tenants.ts (the `tenantLabel` setting). A tenant's
 * default-deny NetworkPolicies and Pod Security Admission level are judged by the network rules
 * (missing-default-deny-ingress/-egress) and namespace-pod-security-not-enforced; `kshield tenants`
 * shows all of it per namespace.
 */
import type { Rule } from '../../engine/rule.js';
import { namespaceWithoutResourceQuota } from './namespace-without-resource-quota.js';
import { namespaceWithoutLimitRange } from './namespace-without-limit-range.js';
import { roleBindingCrossTenantSubject } from './role-binding-cross-tenant-subject.js';
import { externalNameCrossTenant } from './external-name-cross-tenant.js';
import { hostPathSharedAcrossTenants } from './host-path-shared-across-tenants.js';

export const tenancyRules: Rule[] = [namespaceWithoutResourceQuota, namespaceWithoutLimitRange, roleBindingCrossTenantSubject, externalNameCrossTenant, hostPathSharedAcrossTenants];
