/**
 * Checks of a running cluster: the API server's version against the Kubernetes support calendar,
 * kubelet version skew, Pod Security Admission labels on namespaces, admission webhooks that
 * fail open, and encryption at rest as the API server's metrics show it.
 *
 * What only a live cluster knows (the API server's version and the date it was asked) reaches the
 * rules as one synthetic object, `kshield.io/v1 ClusterInfo`, which `kshield cluster` adds to the
 * objects it lists (src/sources/cluster.ts, clusterInfoObject). Rules that need it judge or read it;
 * in a scan of manifests there is none, so they stay silent there. The namespace and webhook rules
 * judge what a manifest says too: a Namespace without an enforce label is the same gap in Git.
 */
import type { Rule } from '../../engine/rule.js';
import { clusterVersionEndOfSupport } from './cluster-version-end-of-support.js';
import { nodeKubeletVersionSkew } from './node-kubelet-version-skew.js';
import { namespacePodSecurityNotEnforced } from './namespace-pod-security-not-enforced.js';
import { webhookFailurePolicyIgnore } from './webhook-failure-policy-ignore.js';
import { apiServerEncryptionAtRestMissing } from './api-server-encryption-at-rest-missing.js';

export const clusterRules: Rule[] = [clusterVersionEndOfSupport, nodeKubeletVersionSkew, namespacePodSecurityNotEnforced, webhookFailurePolicyIgnore, apiServerEncryptionAtRestMissing];
