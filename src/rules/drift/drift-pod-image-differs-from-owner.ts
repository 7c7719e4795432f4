import type { Violation } from '../../core/types.js';
import { asArray, asString, isObject } from '../../core/values.js';
import { podSpecs } from '../../k8s/pods.js';
import { defineRule } from '../define.js';
import { DRIFT_TAGS, isLiveObject } from './shared.js';
import { OWNER_KINDS, controllerOf, imageIDs, madeFromCurrentTemplate, pinnedDigest, runningDigest, sameImageOrPinned } from './images.js';

const IMAGES_DOC = 'https://kubernetes.io/docs/concepts/containers/images/#image-names';
const POD_UPDATE_DOC = 'https://kubernetes.io/docs/concepts/workloads/pods/#pod-update-and-replacement';

function imagesByName(spec: Record<string, unknown>): Map<string, { image: string; path: string }> {
  const out = new Map<string, { image: string; path: string }>();
  for (const type of ['containers', 'initContainers']) {
    asArray(spec[type]).forEach((c, i) => {
      if (!isObject(c)) return;
      const name = asString(c.name);
      const image = asString(c.image);
      if (name && image && !out.has(name)) out.set(name, { image, path: `/${type}/${i}/image` });
    });
  }
  return out;
}

export const driftPodImageDiffersFromOwner = defineRule({
  id: 'drift-pod-image-differs-from-owner',
  title: "Pod runs an image other than its controller's template",
  severity: 'high',
  category: 'drift',
  tags: [...DRIFT_TAGS, 'images'],
  description:
    "A pod made by a ReplicaSet, ReplicationController, StatefulSet, DaemonSet or Job runs an image other than the one its " +
    "controller's pod template names. A pod's container image is one of the few pod fields that can be changed in place " +
    '(kubectl set image pod/..., a patch), and the kubelet then restarts the container with the new image; controllers never ' +
    'do that, so the pod was changed behind its workload, which still shows the old image (high). A template tag that the ' +
    'pod names pinned to a digest of the same repository is not a change: admission webhooks pin tags (kshield\'s own does). ' +
    "Also, when the pod's image pins a digest and the container status's imageID reports another repository digest, the " +
    'node runs other content than the digest names (medium: a runtime may report the digest of the platform manifest where ' +
    'an image index was pinned). Only pods made from the current template are judged: a StatefulSet pod of an older revision ' +
    "(its controller-revision-hash label is not status.updateRevision) or a DaemonSet pod of an older template generation waits " +
    'for its update and may run the old image. Live state only: `kshield watch` sees every pod; `kshield cluster` judges pods ' +
    'a listed controller owns through that controller, so this rule sees only pods it lists.',
  remediation: "Delete the pod so that its controller replaces it from the template, and find out who changed it (the API server audit log: patch or update on pods).",
  references: [POD_UPDATE_DOC, IMAGES_DOC],
  frameworks: { mitre: ['T1525'] },
  appliesTo: ['Pod'],
  reads: OWNER_KINDS,
  judgesOwned: true,
  judgesStatus: true,
  check(resource, context) {
    if (resource.apiVersion !== 'v1' || !isLiveObject(resource.object)) return [];
    const ref = controllerOf(resource.object);
    if (!ref || !OWNER_KINDS.includes(ref.kind)) return [];
    const owner = context.resources.find(ref.kind, resource.namespace, ref.name);
    if (!owner) return [];
    const ownerUid = asString((owner.object.metadata as Record<string, unknown> | undefined)?.uid);
    if (ref.uid && ownerUid && ref.uid !== ownerUid) return [];
    if (!madeFromCurrentTemplate(resource.object, owner)) return [];
    const template = podSpecs(owner)[0];
    const pod = podSpecs(resource)[0];
    if (!template || !pod) return [];
    const declared = imagesByName(template.spec);
    const statuses = imageIDs(resource.object);
    const out: Violation[] = [];
    for (const [name, live] of imagesByName(pod.spec)) {
      const want = declared.get(name);
      if (!want) continue;
      if (!sameImageOrPinned(want.image, live.image)) {
        out.push({
          path: `${pod.path}${live.path}`,
          container: name,
          message: `container "${name}" runs ${live.image}, but its ${owner.kind} ${owner.name} names ${want.image}: the pod's image was changed after its controller made it`,
          cause: `${pod.path}${live.path}`,
        });
        continue;
      }
      const pinned = pinnedDigest(live.image) ?? pinnedDigest(want.image);
      const running = runningDigest(statuses.get(name));
      if (pinned && running && running !== pinned) {
        out.push({
          path: `${pod.path}${live.path}`,
          container: name,
          severity: 'medium',
          message: `container "${name}" pins ${pinned} but its status reports it runs ${running} (imageID): the node runs other content than the digest its ${owner.kind} ${owner.name} names`,
        });
      }
    }
    return out;
  },
  examples: {
    valid: [
      // The tag was pinned to a digest at admission.
      `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-7d4b9c, namespace: shop, uid: 5f0c7a4e-0d0e-4b8e-9a39-1f2d3c4b5a69}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: "registry.example.com/shop/web:1.4.2"}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-7d4b9c-x8k2p
  creationTimestamp: "2026-12-05T07:00:00Z"
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-7d4b9c, uid: 5f0c7a4e-0d0e-4b8e-9a39-1f2d3c4b5a69, controller: true}]
spec:
  containers:
  - {name: web, image: "registry.example.com/shop/web:1.4.2@sha256:4c5d1a0e8b8a2b9f0f2a8e1b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d"}
status:
  containerStatuses:
  - {name: web, image: "registry.example.com/shop/web:1.4.2", imageID: "registry.example.com/shop/web@sha256:4c5d1a0e8b8a2b9f0f2a8e1b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d"}`,
      // A StatefulSet pod of the previous revision, waiting for its rolling update.
      `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - {name: db, image: "registry.example.com/shop/db:16.4"}
status: {currentRevision: db-5c8f7d9b6, updateRevision: db-6b9d8c7f5}
---
apiVersion: v1
kind: Pod
metadata:
  name: db-0
  creationTimestamp: "2026-12-05T07:00:00Z"
  namespace: shop
  labels: {app: db, controller-revision-hash: db-5c8f7d9b6}
  ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: db, controller: true}]
spec:
  containers:
  - {name: db, image: "registry.example.com/shop/db:16.3"}`,
    ],
    invalid: [
      {
        manifest: `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-7d4b9c, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: "registry.example.com/shop/web:1.4.2"}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-7d4b9c-x8k2p
  creationTimestamp: "2026-12-05T07:00:00Z"
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-7d4b9c, controller: true}]
spec:
  containers:
  - {name: web, image: "docker.io/attacker/web:1.4.2"}`,
        expect: [{ path: '/spec/containers/0/image', message: 'container "web" runs docker.io/attacker/web:1.4.2, but its ReplicaSet web-7d4b9c names registry.example.com/shop/web:1.4.2' }],
      },
      {
        manifest: `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  namespace: monitoring
  annotations: {deprecated.daemonset.template.generation: "3"}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
      - {name: agent, image: "registry.example.com/ops/agent@sha256:1111111111111111111111111111111111111111111111111111111111111111"}
---
apiVersion: v1
kind: Pod
metadata:
  name: agent-q7w2z
  creationTimestamp: "2026-12-05T07:00:00Z"
  namespace: monitoring
  labels: {app: agent, pod-template-generation: "3"}
  ownerReferences: [{apiVersion: apps/v1, kind: DaemonSet, name: agent, controller: true}]
spec:
  containers:
  - {name: agent, image: "registry.example.com/ops/agent@sha256:1111111111111111111111111111111111111111111111111111111111111111"}
status:
  containerStatuses:
  - {name: agent, imageID: "registry.example.com/ops/agent@sha256:2222222222222222222222222222222222222222222222222222222222222222"}`,
        expect: [{ path: '/spec/containers/0/image', message: 'but its status reports it runs sha256:2222' }],
      },
    ],
  },
});
