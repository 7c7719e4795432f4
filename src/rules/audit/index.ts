/**
 * Audit rules: they judge the API server's audit events (`audit.k8s.io/v1` Event objects, one per
 * item of the EventList its webhook backend posts), as `kshield respond` receives them
 * (src/runtime/audit.ts), or as files given to `kshield scan`. A core/v1 Event shares the kind and
 * is not judged. Only a request's last stage (ResponseComplete, or Panic) is judged, so each request
 * is judged once; the decoder also drops a repeated auditID.
 *
 * Each rule names its MITRE ATT&CK techniques in `frameworks.mitre`; the alert carries them.
 */
import type { Rule } from '../../engine/rule.js';
import { auditPodExec } from './audit-pod-exec.js';
import { auditPodPortForward } from './audit-pod-port-forward.js';
import { auditSecretReadUnmounted } from './audit-secret-read-unmounted.js';
import { auditPowerfulRoleBinding } from './audit-powerful-role-binding.js';
import { auditPrivilegedPodCreated } from './audit-privileged-pod-created.js';
import { auditServiceaccountTokenOther } from './audit-serviceaccount-token-other.js';
import { auditAnonymousRequestAllowed } from './audit-anonymous-request-allowed.js';
import { auditRequestOutsideNetworks } from './audit-request-outside-networks.js';

export const auditRules: Rule[] = [
  auditPodExec,
  auditPodPortForward,
  auditSecretReadUnmounted,
  auditPowerfulRoleBinding,
  auditPrivilegedPodCreated,
  auditServiceaccountTokenOther,
  auditAnonymousRequestAllowed,
  auditRequestOutsideNetworks,
];
