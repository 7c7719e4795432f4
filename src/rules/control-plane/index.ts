/**
 * Control-plane flags seen through the API. On kubeadm and RKE2 clusters kube-apiserver,
 * kube-controller-manager, kube-scheduler and etcd run as static pods, and the kubelet publishes a
 * read-only mirror of each in kube-system (annotation `kubernetes.io/config.mirror`, owned by its
 * Node). The mirror carries the component's command line, so the flag checks of `kshield node`
 * (src/node/checks.ts) can run on it unchanged.
 *
 * Only the checks that judge flags alone are run: file modes and owners, the kubelet's settings and
 * the EncryptionConfiguration's content live on the node's disk, which the API does not show
 * (`kshield node` reads them). Which checks those are is not written down here but found out once,
 * by running each check against facts that record what it reads: a check that touches anything but
 * one control-plane component's flags is left to `kshield node`. The same recording tells which
 * flags a failing check read, so the finding points at the offending argument.
 *
 * A pod is evidence only when it is a mirror pod in kube-system: anyone can create a pod named
 * kube-apiserver-x in their own namespace, and a static pod manifest in Git is judged by
 * `kshield node` on the node that runs it.
 */
import type { Rule } from '../../engine/rule.js';
import { controlPlaneOpenAccess } from './control-plane-open-access.js';
import { controlPlaneInsecureFlag } from './control-plane-insecure-flag.js';

export const controlPlaneRules: Rule[] = [controlPlaneOpenAccess, controlPlaneInsecureFlag];
