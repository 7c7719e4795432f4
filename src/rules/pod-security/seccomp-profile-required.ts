import { containersOf } from '../../k8s/pods.js';
import { IMAGE, deployment, pod, rollout } from '../examples.js';
import type { Violation } from '../../core/types.js';
import type { ContainerView, PodSpecView } from '../../k8s/pods.js';
import { defineRule, perPod, describeContainer } from '../define.js';
import { fieldAt } from '../../core/values.js';
import { SINCE, containerSecurityContext, isSet, isWindowsPod, missingSettingPath, podSecurityContext, windowsExempt } from '../../k8s/pss.js';
import { baselineAt, onlyBefore, pssControl, restrictedAt, seccompBaselineViolations } from './shared.js';

/**
 * What the Restricted profile forbids about seccomp at a policy version: before v1.19 only what
 * Baseline forbids (Restricted had no seccomp control of its own); from v1.19 also a container
 * with no profile, its own or the pod's; from v1.25 nothing for a Windows pod.
 */
function seccompRestrictedViolations(pod: PodSpecView, podContainers: readonly ContainerView[], minor: number): Violation[] {
  if (minor < SINCE.seccompField) return seccompBaselineViolations(pod, podContainers, minor);
  if (windowsExempt(pod, minor)) return [];
  const out = seccompBaselineViolations(pod, podContainers, minor);
  // A pod-level value, good or bad, covers the containers without their own: a bad one is reported once, on the pod.
  if (isSet(fieldAt(podSecurityContext(pod), 'seccompProfile', 'type'))) return out;
  for (const c of podContainers) {
    if (isSet(fieldAt(containerSecurityContext(c), 'seccompProfile', 'type'))) continue;
    const windows = isWindowsPod(pod) ? onlyBefore(minor, SINCE.windowsExemption, 'Windows pods') : '';
    out.push({
      path: missingSettingPath(c),
      message: `${describeContainer(c)} has no seccomp profile: neither it nor the pod sets seccompProfile.type to RuntimeDefault or Localhost${windows}`,
      container: c.name,
    });
  }
  return out;
}

export const seccompProfileRequired = defineRule({
  id: 'seccomp-profile-required',
  title: 'No seccomp profile set',
  severity: 'medium',
  ...pssControl('restricted', 'seccomp'),
  description:
    'Restricted requires every container to run with seccompProfile.type RuntimeDefault or Localhost: set it on the ' +
    'pod (containers inherit it) or on every container. The absence of a profile fails; an explicit Unconfined is ' +
    'reported by the Baseline rule seccomp-unconfined. The control exists from Pod Security Standards v1.19; from ' +
    'v1.25 Windows pods (spec.os.name: windows) are exempt.',
  remediation: 'Set spec.securityContext.seccompProfile.type: RuntimeDefault on the pod (or on every container).',
  check: (resource, context) => {
    const restricted = restrictedAt(resource, context);
    const baseline = baselineAt(resource, context);
    return perPod(resource, (pod) => {
      const podContainers = containersOf(resource, pod);
      // What seccomp-unconfined reports at the Baseline version is not reported again here.
      const reported = new Set(seccompBaselineViolations(pod, podContainers, baseline).map((v) => v.path));
      return seccompRestrictedViolations(pod, podContainers, restricted).filter((v) => !reported.has(v.path));
    });
  },
  examples: {
    valid: [
      deployment(`
          securityContext:
            seccompProfile: {type: RuntimeDefault}
          containers:
          - name: app
            image: ${IMAGE}
          initContainers:
          - name: migrate
            image: ${IMAGE}
        `),
      pod(`
          containers:
          - name: app
            image: ${IMAGE}
            securityContext:
              seccompProfile: {type: Localhost, localhostProfile: profiles/web.json}
        `),
      pod(`
          os: {name: windows}
          containers:
          - name: app
            image: mcr.microsoft.com/windows/servercore:ltsc2022
        `),
    ],
    invalid: [
      {
        manifest: pod(`
          containers:
          - name: app
            image: ${IMAGE}
            securityContext: {runAsNonRoot: true}
        `),
        expect: ['/spec/containers/0/securityContext'],
      },
      {
        manifest: pod(`
          containers:
          - name: app
            image: ${IMAGE}
            securityContext:
              seccompProfile: {type: RuntimeDefault}
          initContainers:
          - name: migrate
            image: ${IMAGE}
        `),
        expect: ['/spec/initContainers/0'],
      },
      {
        manifest: rollout(`
          containers:
          - name: app
            image: ${IMAGE}
        `),
        expect: ['/spec/template/spec/containers/0'],
      },
    ],
  },
});
