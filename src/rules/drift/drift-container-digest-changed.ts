import type { Violation } from '../../core/types.js';
import { asArray, asObject, asString, isObject } from '../../core/values.js';
import { defineRule } from '../define.js';
import { DRIFT_TAGS, changeOf, objectChangeExample } from './shared.js';
import { imageIDs, pinnedDigest, runningDigest } from './images.js';

const IMAGES_DOC = 'https://kubernetes.io/docs/concepts/containers/images/#updating-images';
const PULL_POLICY_DOC = 'https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy';

/** Each container's image reference and where it is, by name (a pod's containers and init containers). */
function imagesOf(pod: Record<string, unknown>): Map<string, { image: string; path: string }> {
  const out = new Map<string, { image: string; path: string }>();
  const spec = asObject(pod.spec);
  for (const list of ['containers', 'initContainers']) {
    asArray(spec?.[list]).forEach((c, i) => {
      if (!isObject(c)) return;
      const name = asString(c.name);
      const image = asString(c.image);
      if (name && image && !out.has(name)) out.set(name, { image, path: `/spec/${list}/${i}/image` });
    });
  }
  return out;
}

export const driftContainerDigestChanged = defineRule({
  id: 'drift-container-digest-changed',
  title: 'A running container now runs other content under the same image tag',
  severity: 'medium',
  category: 'drift',
  tags: [...DRIFT_TAGS, 'images'],
  description:
    "A pod's container names the same image reference as before, but its status now reports another repository digest " +
    '(`imageID`) than it did: the container was restarted and the node pulled the tag again (imagePullPolicy Always, or ' +
    "an image the node had dropped) and got other content. The tag was moved since the pod started, and this replica now " +
    'runs code nobody deployed on purpose, while its siblings may still run the old digest. Seen by `kshield watch` as it ' +
    'happens (an ObjectChange of the pod), on one pod and one node, so the CPU architecture cannot explain it. An image ' +
    'reference that pins a digest is not judged here (the runtime cannot run another digest under it without ' +
    '`drift-pod-image-differs-from-owner` reporting it), nor a changed reference (a pod update, which that rule judges ' +
    'against its controller), nor a status without a repository digest (an image loaded on the node, or a container not ' +
    'yet started).',
  remediation:
    'Find out why the tag moved (the registry\'s audit log or its tag history), then pin the image by digest in the workload ' +
    '(image: repo:tag@sha256:...) and roll it so that every replica runs the same reviewed content.',
  references: [IMAGES_DOC, PULL_POLICY_DOC],
  frameworks: { mitre: ['T1525'] },
  appliesTo: ['ObjectChange'],
  check(resource) {
    const change = changeOf(resource);
    if (!change || change.type !== 'Modified' || change.target.kind !== 'Pod' || change.target.apiVersion !== 'v1') return [];
    if (!change.before || !change.after) return [];
    const before = imagesOf(change.before);
    const after = imagesOf(change.after);
    const ranBefore = imageIDs(change.before);
    const runsNow = imageIDs(change.after);
    const out: Violation[] = [];
    for (const [name, now] of after) {
      const was = before.get(name);
      if (!was || was.image !== now.image || pinnedDigest(now.image)) continue;
      const from = runningDigest(ranBefore.get(name));
      const to = runningDigest(runsNow.get(name));
      if (!from || !to || from === to) continue;
      out.push({
        path: `/change/after${now.path}`,
        container: name,
        message: `container "${name}" of pod ${change.target.namespace}/${change.target.name} ran ${from} and now runs ${to} under the same reference ${now.image}: the tag was moved and the container pulled it again`,
      });
    }
    return out;
  },
  examples: {
    valid: [
      // The container restarted and pulled the tag again: same content.
      objectChangeExample(
        'Modified',
        { apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'api-5d8f-x2k4p' },
        {
          before: `
            apiVersion: v1
            kind: Pod
            metadata: {name: api-5d8f-x2k4p, namespace: shop, uid: 8b1f0c2e-7a1d-4e5f-9c3b-2d4e6f8a0b1c}
            spec:
              containers:
              - {name: api, image: "registry.example.com/shop/api:2.0", imagePullPolicy: Always}
            status:
              containerStatuses:
              - {name: api, restartCount: 0, imageID: "registry.example.com/shop/api@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}`,
          after: `
            apiVersion: v1
            kind: Pod
            metadata: {name: api-5d8f-x2k4p, namespace: shop, uid: 8b1f0c2e-7a1d-4e5f-9c3b-2d4e6f8a0b1c}
            spec:
              containers:
              - {name: api, image: "registry.example.com/shop/api:2.0", imagePullPolicy: Always}
            status:
              containerStatuses:
              - {name: api, restartCount: 1, imageID: "registry.example.com/shop/api@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}`,
        },
      ),
      // A container that has not started yet reports no digest: nothing to compare.
      objectChangeExample(
        'Modified',
        { apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'api-5d8f-q7w2z' },
        {
          before: `
            apiVersion: v1
            kind: Pod
            metadata: {name: api-5d8f-q7w2z, namespace: shop, uid: 3c5e7a9b-1d2f-4a6c-8e0b-5f7a9c1e3d5b}
            spec:
              containers:
              - {name: api, image: "registry.example.com/shop/api:2.0"}
            status:
              containerStatuses:
              - {name: api, imageID: ""}`,
          after: `
            apiVersion: v1
            kind: Pod
            metadata: {name: api-5d8f-q7w2z, namespace: shop, uid: 3c5e7a9b-1d2f-4a6c-8e0b-5f7a9c1e3d5b}
            spec:
              containers:
              - {name: api, image: "registry.example.com/shop/api:2.0"}
            status:
              containerStatuses:
              - {name: api, imageID: "registry.example.com/shop/api@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}`,
        },
      ),
    ],
    invalid: [
      {
        manifest: objectChangeExample(
          'Modified',
          { apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'api-5d8f-x2k4p' },
          {
            before: `
              apiVersion: v1
              kind: Pod
              metadata: {name: api-5d8f-x2k4p, namespace: shop, uid: 8b1f0c2e-7a1d-4e5f-9c3b-2d4e6f8a0b1c}
              spec:
                containers:
                - {name: api, image: "registry.example.com/shop/api:2.0", imagePullPolicy: Always}
              status:
                containerStatuses:
                - {name: api, restartCount: 0, imageID: "registry.example.com/shop/api@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}`,
            after: `
              apiVersion: v1
              kind: Pod
              metadata: {name: api-5d8f-x2k4p, namespace: shop, uid: 8b1f0c2e-7a1d-4e5f-9c3b-2d4e6f8a0b1c}
              spec:
                containers:
                - {name: api, image: "registry.example.com/shop/api:2.0", imagePullPolicy: Always}
              status:
                containerStatuses:
                - {name: api, restartCount: 1, imageID: "registry.example.com/shop/api@sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"}`,
          },
        ),
        expect: [{ path: '/change/after/spec/containers/0/image', message: 'ran sha256:aaaa' }],
      },
    ],
  },
});
