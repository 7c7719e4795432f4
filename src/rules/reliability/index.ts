/**
 * Reliability checks users expect from a linter: probes, replicas, disruption budgets, autoscalers,
 * rollout strategies, spreading, Jobs and CronJobs, and the references between objects (selectors,
 * Services, Ingresses, NetworkPolicies, autoscaler targets).
 *
 * Cross-object rules read `context.resources` through a per-run index (kind+namespace, pod labels,
 * autoscaler targets), never by comparing every object with every other one.
 *
 * Namespaces: an object without metadata.namespace lands wherever it is applied, usually together
 * with the objects around it. Two objects are therefore "in the same namespace" when their namespaces
 * are equal or when either one is unset. This errs towards finding a partner (fewer false "dangling"
 * reports) at the price of missing a few real ones in mixed manifests.
 *
 * Dangling-reference rules (a Service, Ingress, NetworkPolicy or autoscaler pointing at nothing) only
 * report when the scanned set holds candidates in that namespace at all: scanning one Service file on
 * its own says nothing about the pods it selects.
 */
import type { Rule } from '../../engine/rule.js';
import { livenessProbeMissing } from './liveness-probe-missing.js';
import { readinessProbeMissing } from './readiness-probe-missing.js';
import { probesIdentical } from './probes-identical.js';
import { probeNamedPortMissing } from './probe-named-port-missing.js';
import { probePortNotDeclared } from './probe-port-not-declared.js';
import { singleReplica } from './single-replica.js';
import { minimumThreeReplicas } from './minimum-three-replicas.js';
import { replicasWithHpa } from './replicas-with-hpa.js';
import { hpaMinReplicas } from './hpa-min-replicas.js';
import { hpaMinimumThreeReplicas } from './hpa-minimum-three-replicas.js';
import { hpaCannotScale } from './hpa-cannot-scale.js';
import { danglingHpa } from './dangling-hpa.js';
import { missingPodDisruptionBudget } from './missing-pod-disruption-budget.js';
import { pdbBlocksEviction } from './pdb-blocks-eviction.js';
import { pdbUnhealthyPodEvictionPolicy } from './pdb-unhealthy-pod-eviction-policy.js';
import { rollingUpdateAllUnavailable } from './rolling-update-all-unavailable.js';
import { noRollingUpdateStrategy } from './no-rolling-update-strategy.js';
import { noPodSpreading } from './no-pod-spreading.js';
import { topologySpreadConstraintInvalid } from './topology-spread-constraint-invalid.js';
import { priorityClassNotSet } from './priority-class-not-set.js';
import { cronjobMissingDeadline } from './cronjob-missing-deadline.js';
import { cronjobConcurrencyAllowed } from './cronjob-concurrency-allowed.js';
import { jobMissingTtl } from './job-missing-ttl.js';
import { invalidRestartPolicy } from './invalid-restart-policy.js';
import { statefulsetServiceName } from './statefulset-service-name.js';
import { mismatchingSelector } from './mismatching-selector.js';
import { danglingService } from './dangling-service.js';
import { danglingIngress } from './dangling-ingress.js';
import { danglingNetworkpolicy } from './dangling-networkpolicy.js';
import { serviceAccountNotFound } from './service-account-not-found.js';
import { invalidPort } from './invalid-port.js';
import { configReferenceMissing } from './config-reference-missing.js';

export const reliabilityRules: Rule[] = [livenessProbeMissing, readinessProbeMissing, probesIdentical, probeNamedPortMissing, probePortNotDeclared, singleReplica, minimumThreeReplicas, replicasWithHpa, hpaMinReplicas, hpaMinimumThreeReplicas, hpaCannotScale, danglingHpa, missingPodDisruptionBudget, pdbBlocksEviction, pdbUnhealthyPodEvictionPolicy, rollingUpdateAllUnavailable, noRollingUpdateStrategy, noPodSpreading, topologySpreadConstraintInvalid, priorityClassNotSet, cronjobMissingDeadline, cronjobConcurrencyAllowed, jobMissingTtl, invalidRestartPolicy, statefulsetServiceName, mismatchingSelector, danglingService, danglingIngress, danglingNetworkpolicy, serviceAccountNotFound, invalidPort, configReferenceMissing];
