import { containersOf } from '../../k8s/pods.js';
import { IMAGE, pod, rollout } from '../examples.js';
import { defineRule, perPod } from '../define.js';
import { baselineAt, pssControl, seccompBaselineViolations } from './shared.js';

export const seccompUnconfined = defineRule({
  id: 'seccomp-unconfined',
  title: 'Seccomp disabled',
  severity: 'medium',
  ...pssControl('baseline', 'seccomp'),
  description:
    'Baseline forbids explicitly disabling seccomp: seccompProfile.type may be unset, RuntimeDefault or Localhost ' +
    'at pod and container level, never Unconfined. (Restricted additionally requires a profile to be set: rule ' +
    'seccomp-profile-required.) Before Pod Security Standards v1.19 the control judged the ' +
    'seccomp.security.alpha.kubernetes.io/pod and container.seccomp.security.alpha.kubernetes.io/<container> ' +
    'annotations instead (runtime/default, docker/default or localhost/<profile>), and so does this rule at those versions.',
  remediation: 'Set seccompProfile.type to RuntimeDefault (or a Localhost profile) instead of Unconfined.',
  check: (resource, context) => {
    const minor = baselineAt(resource, context);
    return perPod(resource, (pod) => seccompBaselineViolations(pod, containersOf(resource, pod), minor));
  },
  examples: {
    valid: [
      pod(`
          containers:
          - name: app
            image: ${IMAGE}
        `),
      pod(`
          securityContext:
            seccompProfile: {type: RuntimeDefault}
          containers:
          - name: app
            image: ${IMAGE}
            securityContext:
              seccompProfile: {type: Localhost, localhostProfile: profiles/web.json}
        `),
    ],
    invalid: [
      {
        manifest: pod(`
          securityContext:
            seccompProfile: {type: Unconfined}
          containers:
          - name: app
            image: ${IMAGE}
        `),
        expect: ['/spec/securityContext/seccompProfile/type'],
      },
      {
        manifest: rollout(`
          securityContext:
            seccompProfile: {type: RuntimeDefault}
          containers:
          - name: app
            image: ${IMAGE}
            securityContext:
              seccompProfile: {type: Unconfined}
        `),
        expect: ['/spec/template/spec/containers/0/securityContext/seccompProfile/type'],
      },
    ],
  },
});
