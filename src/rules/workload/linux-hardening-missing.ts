import { IMAGE, pod } from '../examples.js';
import { type ContainerView } from '../../k8s/pods.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { asArray, fieldAt, isObject, asObject } from '../../core/values.js';
import { HARDENING, SECURITY_CONTEXT_DOC, existingPath, isWindows, } from './shared.js';

/**
 * The first Linux hardening mechanism in effect for a container (seccomp, AppArmor, SELinux or dropped
 * capabilities), or undefined when there is none. Container settings override the pod's, as in Kubernetes.
 */
function linuxHardeningOf(c: ContainerView): string | undefined {
  const own = asObject(c.container.securityContext);
  const podSc = asObject(c.pod.spec.securityContext);
  const confining = (t: unknown): boolean => t === 'RuntimeDefault' || t === 'Localhost';
  const seccomp = own && isObject(own.seccompProfile) && own.seccompProfile.type !== undefined ? own.seccompProfile.type : fieldAt(podSc, 'seccompProfile', 'type');
  if (confining(seccomp)) return 'seccomp';
  const apparmor = own && isObject(own.appArmorProfile) && own.appArmorProfile.type !== undefined ? own.appArmorProfile.type : fieldAt(podSc, 'appArmorProfile', 'type');
  if (confining(apparmor)) return 'apparmor';
  if (apparmor === undefined) {
    const annotation = fieldAt(c.pod.metadata, 'annotations', `container.apparmor.security.beta.kubernetes.io/${c.name}`);
    if (annotation === 'runtime/default' || (typeof annotation === 'string' && annotation.startsWith('localhost/'))) return 'apparmor';
  }
  const hasFields = (v: unknown): boolean => isObject(v) && Object.values(v).some((x) => typeof x === 'string' && x !== '');
  if (hasFields(own?.seLinuxOptions) || hasFields(podSc?.seLinuxOptions)) return 'selinux';
  const caps = asObject(own?.capabilities);
  const addsAll = asArray(caps?.add).some((x) => typeof x === 'string' && x.toUpperCase() === 'ALL');
  if (asArray(caps?.drop).length > 0 && !addsAll) return 'capabilities';
  return undefined;
}

export const linuxHardeningMissing = defineRule({
  id: 'linux-hardening-missing',
  title: 'No Linux hardening mechanism at all',
  severity: 'low',
  ...HARDENING,
  tags: ['security', 'hardening', 'seccomp', 'apparmor', 'selinux', 'capabilities'],
  optIn: true,
  description:
    'The container uses none of the four kernel mechanisms that restrict what a compromised process can do: a seccomp ' +
    'profile (its own seccompProfile.type, else the pod\'s, is RuntimeDefault or Localhost), an AppArmor profile ' +
    '(appArmorProfile.type RuntimeDefault or Localhost on the container or the pod, or the ' +
    'container.apparmor.security.beta.kubernetes.io/<container> annotation set to runtime/default or localhost/<profile>), ' +
    'SELinux options (seLinuxOptions with at least one field, on the container or the pod), or dropped capabilities ' +
    '(capabilities.drop lists at least one, and add does not list ALL). Any one of them is enough here. This is the ' +
    'any-of baseline some tools ask for; the Restricted profile requires a seccomp profile and dropping ALL capabilities ' +
    'on their own (seccomp-profile-required, capabilities-drop-all), which is why this rule is off by default. Windows pods ' +
    'are not checked.',
  remediation: 'Set spec.securityContext.seccompProfile.type: RuntimeDefault on the pod and drop capabilities the process does not need (capabilities.drop: [ALL]).',
  references: [SECURITY_CONTEXT_DOC, 'https://kubernetes.io/docs/tutorials/security/seccomp/', 'https://kubernetes.io/docs/tutorials/security/apparmor/'],
  check: (resource) =>
    perContainer(resource, (c) => {
      if (isWindows(c.pod)) return undefined;
      if (linuxHardeningOf(c) !== undefined) return undefined;
      return {
        path: existingPath(c.path, c.container, 'securityContext'),
        message: `${describeContainer(c)} uses no seccomp profile, AppArmor profile, SELinux options or dropped capabilities`,
      };
    }),
  examples: {
    valid: [
      pod(`
          securityContext: {seccompProfile: {type: RuntimeDefault}}
          containers:
          - name: web
            image: ${IMAGE}
        `),
      pod(`
          containers:
          - name: web
            image: ${IMAGE}
            securityContext: {capabilities: {drop: [NET_RAW]}}
        `),
      pod(`
          securityContext: {seLinuxOptions: {level: "s0:c123,c456"}}
          containers:
          - name: web
            image: ${IMAGE}
        `),
    ],
    invalid: [
      {
        manifest: pod(`
          containers:
          - name: web
            image: ${IMAGE}
        `),
        expect: ['/spec/containers/0'],
      },
      {
        manifest: pod(`
          securityContext: {seccompProfile: {type: RuntimeDefault}}
          containers:
          - name: web
            image: ${IMAGE}
            securityContext: {seccompProfile: {type: Unconfined}, capabilities: {drop: [ALL], add: [ALL]}}
        `),
        expect: ['/spec/containers/0/securityContext'],
      },
    ],
  },
});
