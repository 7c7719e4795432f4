/**
 * Pod Security Standards: one rule per control of the Baseline and Restricted profiles.
 *
 * Baseline rules are tagged `pss-baseline`; rules that only the Restricted profile adds are tagged
 * `pss-restricted`, so the Restricted profile is both tags together. Restricted rules report only
 * what Baseline rules do not already report (an Unconfined seccomp profile, a hostPath volume or
 * an added SYS_ADMIN is one finding, not two), the way the admission controller's Restricted
 * checks replace their Baseline counterparts.
 *
 * The standards are versioned (see the table in src/core/pss.ts): each rule judges at the policy
 * version of its level, `settings.pssVersion` (`--pss-version`, default latest), or in
 * `kshield cluster` the version the namespace's pod-security.kubernetes.io labels set. When the
 * two levels are judged at different versions, a Restricted rule still reports only what the
 * Baseline rules, at theirs, do not.
 */
import type { Rule } from '../../engine/rule.js';
import { hostProcess } from './host-process.js';
import { hostNetwork } from './host-network.js';
import { hostPid } from './host-pid.js';
import { hostIpc } from './host-ipc.js';
import { privilegedContainer } from './privileged-container.js';
import { disallowedCapabilities } from './disallowed-capabilities.js';
import { hostPathVolume } from './host-path-volume.js';
import { hostPort } from './host-port.js';
import { apparmorProfile } from './apparmor-profile.js';
import { selinuxOptions } from './selinux-options.js';
import { procMount } from './proc-mount.js';
import { seccompUnconfined } from './seccomp-unconfined.js';
import { unsafeSysctls } from './unsafe-sysctls.js';
import { hostProbesLifecycle } from './host-probes-lifecycle.js';
import { restrictedVolumeTypes } from './restricted-volume-types.js';
import { allowPrivilegeEscalation } from './allow-privilege-escalation.js';
import { runAsNonRoot } from './run-as-non-root.js';
import { runAsRootUser } from './run-as-root-user.js';
import { seccompProfileRequired } from './seccomp-profile-required.js';
import { capabilitiesDropAll } from './capabilities-drop-all.js';
import { restrictedCapabilitiesAdd } from './restricted-capabilities-add.js';
import { procMountRestricted } from './proc-mount-restricted.js';

export const podSecurityRules: Rule[] = [hostProcess, hostNetwork, hostPid, hostIpc, privilegedContainer, disallowedCapabilities, hostPathVolume, hostPort, apparmorProfile, selinuxOptions, procMount, seccompUnconfined, unsafeSysctls, hostProbesLifecycle, restrictedVolumeTypes, allowPrivilegeEscalation, runAsNonRoot, runAsRootUser, seccompProfileRequired, capabilitiesDropAll, restrictedCapabilitiesAdd, procMountRestricted];
