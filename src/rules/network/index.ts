/**
 * Network segmentation: namespaces and workloads without NetworkPolicies, namespaces without a
 * default deny, policies open to everyone, and egress to the cloud metadata service.
 *
 * Built on src/analysis/netpol.ts, one model per ResourceSet. Cilium and Calico policies count as
 * isolation here (see that module for how their selectors are read).
 *
 * Namespace-level findings are reported once per namespace, on one carrier: the Namespace object
 * when it is in the scanned set, otherwise the first object with pods in that namespace in input
 * order (file, then document). Only namespaces that hold workloads in the scanned set are judged.
 */
import type { Rule } from '../../engine/rule.js';
import { namespaceWithoutNetworkPolicy } from './namespace-without-network-policy.js';
import { missingDefaultDenyIngress } from './missing-default-deny-ingress.js';
import { missingDefaultDenyEgress } from './missing-default-deny-egress.js';
import { workloadNotSelectedByNetworkPolicy } from './workload-not-selected-by-network-policy.js';
import { networkPolicyAllowsAllIngress } from './network-policy-allows-all-ingress.js';
import { networkPolicyAllowsAllEgress } from './network-policy-allows-all-egress.js';
import { egressToCloudMetadataAllowed } from './egress-to-cloud-metadata-allowed.js';

export const networkRules: Rule[] = [namespaceWithoutNetworkPolicy, missingDefaultDenyIngress, missingDefaultDenyEgress, workloadNotSelectedByNetworkPolicy, networkPolicyAllowsAllIngress, networkPolicyAllowsAllEgress, egressToCloudMetadataAllowed];
