import { defineRule, describeContainer, perContainer } from '../define.js';
import { IMAGE, deployment } from '../examples.js';
import { containerSecurityContext, podSecurityContext } from '../../k8s/pss.js';
import { imageFacts, READS } from './shared.js';

/** The largest user id the kubelet accepts (validation.IsValidUserID: 0 to 2^31-1). */
const MAX_USER_ID = 2 ** 31 - 1;

/** What the image's user is, and why the kubelet refuses it under runAsNonRoot as it says it; undefined when it accepts it. */
function refusal(user: string): { what: string; kubelet: string } | undefined {
  const name = user.split(':')[0].trim();
  if (name === '') return { what: 'sets no user, so it runs as root', kubelet: 'image will run as root' };
  if (!/^\d+$/.test(name)) return { what: `runs as the user name "${name}", which the kubelet cannot check is not root`, kubelet: `image has non-numeric user (${name}), cannot verify user is non-root` };
  const uid = Number(name);
  if (uid === 0) return { what: 'runs as root (uid 0)', kubelet: 'image will run as root' };
  if (uid > MAX_USER_ID) return { what: `runs as uid ${name}, above the largest user id`, kubelet: `image has an invalid user id (${name})` };
  return undefined;
}

const image = (user: string): string => `---
apiVersion: kshield.io/v1
kind: ContainerImage
metadata: {name: "${IMAGE}"}
image: {source: registry}
config: {${user}}
packages: []
`;

export const imageUserBreaksRunAsNonRoot = defineRule({
  id: 'image-user-breaks-run-as-non-root',
  title: 'runAsNonRoot on a container whose image runs as root or by name',
  severity: 'medium',
  category: 'reliability',
  tags: ['reliability', 'pod-security', 'image', 'correlation'],
  reads: READS,
  description:
    'A container that must run as non-root (`runAsNonRoot: true`, its own or the pod\'s) and sets no `runAsUser` takes its user ' +
    'from the image. The kubelet then refuses to start it, with CreateContainerConfigError, when the image runs as root (no ' +
    'user, `0`, `0:0`) or by a user name (`app`, even a non-root one: the kubelet cannot verify a name), as its ' +
    'verifyRunAsNonRoot does. The image\'s user is known from the image itself (a `ContainerImage` of the run) or from the ' +
    'Dockerfile the configuration\'s `imageSources` maps the image to; without either the rule says nothing.',
  remediation: 'Give the image a numeric non-root user (USER 10001 in the Dockerfile), or set runAsUser to a non-zero UID in the container\'s or pod\'s securityContext.',
  references: ['https://kubernetes.io/docs/tasks/configure-pod-container/security-context/', 'https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted'],
  check: (resource, context) =>
    perContainer(resource, (c) => {
      if ((c.pod.spec.os as { name?: unknown } | undefined)?.name === 'windows') return undefined;
      const sc = containerSecurityContext(c);
      const podSc = podSecurityContext(c.pod);
      const nonRoot = sc?.runAsNonRoot ?? podSc?.runAsNonRoot;
      // An explicit runAsUser is what the kubelet checks instead of the image's user.
      if (nonRoot !== true || (sc?.runAsUser ?? podSc?.runAsUser) !== undefined) return undefined;
      const facts = imageFacts(c, context);
      if (facts.user === undefined) return undefined;
      const why = refusal(facts.user);
      if (!why) return undefined;
      const path = sc?.runAsNonRoot !== undefined ? `${c.path}/securityContext/runAsNonRoot` : `${c.pod.path}/securityContext/runAsNonRoot`;
      return { path, message: `${describeContainer(c)} must run as non-root and sets no runAsUser, but its image ${why.what} (${facts.userSource}): the kubelet will refuse to start it (CreateContainerConfigError: container has runAsNonRoot and ${why.kubelet})`, ...(facts.userAt ? { locations: facts.userAt } : {}) };
    }),
  examples: {
    valid: [
      deployment(`
          securityContext: {runAsNonRoot: true}
          containers:
          - name: app
            image: ${IMAGE}
        `) + image('User: "10001"'),
      deployment(`
          securityContext: {runAsNonRoot: true, runAsUser: 10001}
          containers:
          - name: app
            image: ${IMAGE}
        `) + image('User: "app"'),
    ],
    invalid: [
      {
        manifest:
          deployment(`
          securityContext: {runAsNonRoot: true}
          containers:
          - name: app
            image: ${IMAGE}
        `) + image(''),
        expect: [{ path: '/spec/template/spec/securityContext/runAsNonRoot', message: 'container has runAsNonRoot and image will run as root' }],
      },
      {
        manifest:
          deployment(`
          containers:
          - name: app
            image: ${IMAGE}
            securityContext: {runAsNonRoot: true}
        `) + image('User: "app:app"'),
        expect: [{ path: '/spec/template/spec/containers/0/securityContext/runAsNonRoot', message: 'image has non-numeric user (app)' }],
      },
    ],
  },
});
