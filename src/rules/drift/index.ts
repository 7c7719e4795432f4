/**
 * Drift: a live cluster's change over time, as `kshield watch` observes it, and live state that
 * shows a control was bypassed or a workload changed behind its source.
 *
 * Rules about a change judge `kshield.io/v1 ObjectChange` objects (src/k8s/object-change.ts: the
 * object before and after, and the cluster as it is now in their ResourceSet): a NetworkPolicy
 * deleted, an admission webhook removed or switched to fail open, a new binding that reaches
 * cluster-admin, a privileged pod created where Pod Security Admission should have refused it.
 * Rules about live state judge live objects, in `kshield watch` and `kshield cluster` alike: a pod
 * whose image is not its controller's, replicas running different digests of one tag (and, as a
 * change, one container restarted onto another digest of its tag), a workload
 * weaker than its last-applied configuration. `drift-from-desired` judges the `kshield.io/v1
 * DesiredState` pairs `--desired DIR` makes (src/runtime/desired.ts). The security-relevant
 * fields compared are defined once, in src/k8s/security-fields.ts.
 */
import type { Rule } from '../../engine/rule.js';
import { driftPodImageDiffersFromOwner } from './drift-pod-image-differs-from-owner.js';
import { driftImageTagMoved } from './drift-image-tag-moved.js';
import { driftContainerDigestChanged } from './drift-container-digest-changed.js';
import { driftPodSecurityBypassed } from './drift-pod-security-bypassed.js';
import { driftBindingReachesClusterAdmin } from './drift-binding-reaches-cluster-admin.js';
import { driftNetworkPolicyDeleted } from './drift-network-policy-deleted.js';
import { driftAdmissionWebhookWeakened } from './drift-admission-webhook-weakened.js';
import { driftFromLastApplied } from './drift-from-last-applied.js';
import { driftFromDesired } from './drift-from-desired.js';

export const driftRules: Rule[] = [
  driftPodImageDiffersFromOwner,
  driftImageTagMoved,
  driftContainerDigestChanged,
  driftPodSecurityBypassed,
  driftBindingReachesClusterAdmin,
  driftNetworkPolicyDeleted,
  driftAdmissionWebhookWeakened,
  driftFromLastApplied,
  driftFromDesired,
];
