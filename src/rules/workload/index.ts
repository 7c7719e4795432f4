/**
 * Workload hardening beyond the Pod Security Standards: filesystem, identities, resources,
 * service account tokens, host mounts, secrets in the spec, capabilities and ports.
 *
 * Overlap with the PSS rules is avoided on purpose: PSS rejects any added capability outside its
 * default set, `dangerous-capabilities` names the ones that reach beyond the container; PSS flags every hostPath
 * volume, the host-mount family says which host paths make one dangerous; UID 0 is left to the
 * PSS `run-as-root-user` rule, the low-ID rules cover the rest of the range below 10000.
 */
import type { Rule } from '../../engine/rule.js';
import { writableRootFilesystem } from './writable-root-filesystem.js';
import { lowUserId } from './low-user-id.js';
import { lowGroupId } from './low-group-id.js';
import { rootGroupId } from './root-group-id.js';
import { cpuRequestsMissing } from './cpu-requests-missing.js';
import { cpuLimitsMissing } from './cpu-limits-missing.js';
import { memoryRequestsMissing } from './memory-requests-missing.js';
import { memoryLimitsMissing } from './memory-limits-missing.js';
import { ephemeralStorageUnset } from './ephemeral-storage-unset.js';
import { requestsNotEqualLimits } from './requests-not-equal-limits.js';
import { serviceAccountTokenAutomount } from './service-account-token-automount.js';
import { defaultServiceAccount } from './default-service-account.js';
import { deprecatedServiceAccountField } from './deprecated-service-account-field.js';
import { hostRootMount } from './host-root-mount.js';
import { containerRuntimeSocketMount } from './container-runtime-socket-mount.js';
import { hostCredentialsMount } from './host-credentials-mount.js';
import { hostSystemMount } from './host-system-mount.js';
import { hostLogMount } from './host-log-mount.js';
import { writableHostMount } from './writable-host-mount.js';
import { hardcodedSecret } from './hardcoded-secret.js';
import { secretAsEnvVar } from './secret-as-env-var.js';
import { duplicateEnvVar } from './duplicate-env-var.js';
import { netRawNotDropped } from './net-raw-not-dropped.js';
import { dangerousCapabilities } from './dangerous-capabilities.js';
import { sshPortExposed } from './ssh-port-exposed.js';
import { privilegedContainerPort } from './privileged-container-port.js';
import { hostAliases } from './host-aliases.js';
import { shareProcessNamespace } from './share-process-namespace.js';
import { securityContextMissing } from './security-context-missing.js';
import { linuxHardeningMissing } from './linux-hardening-missing.js';
import { userNamespaceDisabled } from './user-namespace-disabled.js';

export const workloadRules: Rule[] = [writableRootFilesystem, lowUserId, lowGroupId, rootGroupId, cpuRequestsMissing, cpuLimitsMissing, memoryRequestsMissing, memoryLimitsMissing, ephemeralStorageUnset, requestsNotEqualLimits, serviceAccountTokenAutomount, defaultServiceAccount, deprecatedServiceAccountField, hostRootMount, containerRuntimeSocketMount, hostCredentialsMount, hostSystemMount, hostLogMount, writableHostMount, hardcodedSecret, secretAsEnvVar, duplicateEnvVar, netRawNotDropped, dangerousCapabilities, sshPortExposed, privilegedContainerPort, hostAliases, shareProcessNamespace, securityContextMissing, linuxHardeningMissing, userNamespaceDisabled];
