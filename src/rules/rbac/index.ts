/**
 * RBAC rules. All matching goes through src/analysis/rbac.ts (the authorizer's semantics) and the
 * capability catalogue of src/analysis/rbac-capabilities.ts, so a rule and `kshield rbac who-can`
 * never disagree about what a PolicyRule grants.
 *
 * Rules about a permission report on the Role or ClusterRole that writes it, at the offending entry
 * (`/rules/2/resources/0`, `/rules/0/verbs/1`). Rules about who receives permissions report on the
 * binding, at the subject (`/subjects/1`) or the `/roleRef`. An aggregated ClusterRole's own `rules`
 * are ignored (the aggregation controller overwrites them): its permissions are reported on the roles
 * it aggregates.
 */
import type { Rule } from '../../engine/rule.js';
import { rbacClusterAdminBinding } from './rbac-cluster-admin-binding.js';
import { rbacAnonymousAccess } from './rbac-anonymous-access.js';
import { rbacAllAuthenticatedAccess } from './rbac-all-authenticated-access.js';
import { rbacDefaultServiceAccountBound } from './rbac-default-service-account-bound.js';
import { rbacBindingRoleNotFound } from './rbac-binding-role-not-found.js';
import { rbacBindingSubjectNotFound } from './rbac-binding-subject-not-found.js';
import { rbacWildcardVerbs } from './rbac-wildcard-verbs.js';
import { rbacWildcardResources } from './rbac-wildcard-resources.js';
import { rbacWildcardApiGroups } from './rbac-wildcard-api-groups.js';
import { rbacSecretsReadClusterWide } from './rbac-secrets-read-cluster-wide.js';
import { rbacSecretsRead } from './rbac-secrets-read.js';
import { rbacCreatePods } from './rbac-create-pods.js';
import { rbacPodExec } from './rbac-pod-exec.js';
import { rbacPodPortForward } from './rbac-pod-port-forward.js';
import { rbacEscalateBind } from './rbac-escalate-bind.js';
import { rbacImpersonate } from './rbac-impersonate.js';
import { rbacNodesProxy } from './rbac-nodes-proxy.js';
import { rbacServiceaccountToken } from './rbac-serviceaccount-token.js';
import { rbacApproveCsr } from './rbac-approve-csr.js';
import { rbacAdmissionWebhookModify } from './rbac-admission-webhook-modify.js';

export const rbacRules: Rule[] = [rbacClusterAdminBinding, rbacAnonymousAccess, rbacAllAuthenticatedAccess, rbacDefaultServiceAccountBound, rbacBindingRoleNotFound, rbacBindingSubjectNotFound, rbacWildcardVerbs, rbacWildcardResources, rbacWildcardApiGroups, rbacSecretsReadClusterWide, rbacSecretsRead, rbacCreatePods, rbacPodExec, rbacPodPortForward, rbacEscalateBind, rbacImpersonate, rbacNodesProxy, rbacServiceaccountToken, rbacApproveCsr, rbacAdmissionWebhookModify];
