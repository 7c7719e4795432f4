import { IMAGE, deployment, pod } from '../examples.js';
import type { Violation } from '../../core/types.js';
import { defineRule, perPod, describeContainer } from '../define.js';
import { fieldAt, asObject } from '../../core/values.js';
import { escapePointerToken } from '../../core/pointer.js';
import { APPARMOR_ALLOWED_TYPES, APPARMOR_ANNOTATION_PREFIX, containerSecurityContext, isSet, podSecurityContext, show } from '../../k8s/pss.js';
import { podAndContainers, podScPath, pssControl, scPath } from './shared.js';

export const apparmorProfile = defineRule({
  id: 'apparmor-profile',
  title: 'AppArmor profile overridden or disabled',
  severity: 'medium',
  ...pssControl('baseline', 'apparmor'),
  description:
    'On hosts with AppArmor the runtime default profile confines every container. Baseline forbids turning it ' +
    'off: appArmorProfile.type may only be RuntimeDefault or Localhost (pod and container level), and the older ' +
    'container.apparmor.security.beta.kubernetes.io/* annotations may only be runtime/default or localhost/<profile>.',
  remediation: 'Remove the Unconfined AppArmor setting, or use type RuntimeDefault or a Localhost profile (annotation value runtime/default or localhost/<profile>).',
  check: (resource) => {
    const bad = (t: unknown): boolean => isSet(t) && !(typeof t === 'string' && APPARMOR_ALLOWED_TYPES.has(t));
    const what = (t: unknown): string => (t === 'Unconfined' ? 'disables AppArmor (appArmorProfile.type: Unconfined)' : `sets AppArmor profile type ${show(t)}`);
    const fields = podAndContainers(
      resource,
      (pod) => {
        const t = fieldAt(podSecurityContext(pod), 'appArmorProfile', 'type');
        return bad(t) ? [{ path: podScPath(pod, 'appArmorProfile', 'type'), message: `the pod ${what(t)}` }] : [];
      },
      (c) => {
        const t = fieldAt(containerSecurityContext(c), 'appArmorProfile', 'type');
        return bad(t) ? [{ path: scPath(c, 'appArmorProfile', 'type'), message: `${describeContainer(c)} ${what(t)}` }] : [];
      },
    );
    const annotations = perPod(resource, (pod) => {
      const out: Violation[] = [];
      for (const [key, value] of Object.entries(asObject(pod.metadata?.annotations) ?? {})) {
        if (!key.startsWith(APPARMOR_ANNOTATION_PREFIX)) continue;
        if (typeof value === 'string' && (value === '' || value === 'runtime/default' || value.startsWith('localhost/'))) continue;
        const container = key.slice(APPARMOR_ANNOTATION_PREFIX.length);
        out.push({
          path: `${pod.metadataPath}/annotations/${escapePointerToken(key)}`,
          message: `annotation ${key} sets AppArmor profile ${show(value)} for container "${container}"`,
          container,
        });
      }
      return out;
    });
    return [...fields, ...annotations];
  },
  examples: {
    valid: [
      pod(
        `
          securityContext:
            appArmorProfile: {type: RuntimeDefault}
          containers:
          - name: app
            image: ${IMAGE}
            securityContext:
              appArmorProfile: {type: Localhost, localhostProfile: k8s-web}
          `,
        { annotations: 'container.apparmor.security.beta.kubernetes.io/app: localhost/k8s-web' },
      ),
    ],
    invalid: [
      {
        manifest: pod(`
          securityContext:
            appArmorProfile: {type: Unconfined}
          containers:
          - name: app
            image: ${IMAGE}
        `),
        expect: ['/spec/securityContext/appArmorProfile/type'],
      },
      {
        manifest: deployment(
        `
          containers:
          - name: app
            image: ${IMAGE}
          `,
        { annotations: 'container.apparmor.security.beta.kubernetes.io/app: unconfined' },
      ),
        expect: ['/spec/template/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1app'],
      },
      {
        manifest: pod(`
          containers:
          - name: app
            image: ${IMAGE}
          ephemeralContainers:
          - name: debugger
            image: busybox:1.36
            securityContext:
              appArmorProfile: {type: Unconfined}
        `),
        expect: ['/spec/ephemeralContainers/0/securityContext/appArmorProfile/type'],
      },
    ],
  },
});
