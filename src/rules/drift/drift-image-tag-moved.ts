import type { Resource, Violation } from '../../core/types.js';
import { asArray, asString, isObject } from '../../core/values.js';
import { defineRule } from '../define.js';
import { DRIFT_TAGS, isLiveObject } from './shared.js';
import { controllerOf, imageIDs, pinnedDigest, runningDigest } from './images.js';

const IMAGES_DOC = 'https://kubernetes.io/docs/concepts/containers/images/#updating-images';

interface Running {
  pod: Resource;
  path: string;
  digest: string;
}

/** Per container name: the image reference the pod names, its path, and the digest it runs. */
function running(pod: Resource): Map<string, { image: string; path: string; digest: string }> {
  const out = new Map<string, { image: string; path: string; digest: string }>();
  const ids = imageIDs(pod.object);
  const spec = pod.object.spec;
  if (!isObject(spec)) return out;
  for (const type of ['containers', 'initContainers']) {
    asArray(spec[type]).forEach((c, i) => {
      if (!isObject(c)) return;
      const name = asString(c.name);
      const image = asString(c.image);
      const digest = runningDigest(ids.get(name ?? ''));
      if (name && image && digest && !out.has(name)) out.set(name, { image, path: `/spec/${type}/${i}/image`, digest });
    });
  }
  return out;
}

/**
 * The CPU architecture of the node a pod runs on (its kubernetes.io/arch label, else
 * status.nodeInfo.architecture); "" when the node is not known. One tag of a multi-platform image
 * is a different manifest per architecture, and a runtime may report that manifest's digest: pods
 * are only compared with pods on nodes of the same architecture.
 */
function architectureOf(pod: Resource, nodes: { find(kind: string, ns: string | undefined, name: string): Resource | undefined }): string {
  const nodeName = isObject(pod.object.spec) ? asString(pod.object.spec.nodeName) : undefined;
  if (!nodeName) return '';
  const node = nodes.find('Node', undefined, nodeName);
  if (!node) return '';
  const labels = isObject(node.object.metadata) && isObject(node.object.metadata.labels) ? node.object.metadata.labels : {};
  const status = isObject(node.object.status) && isObject(node.object.status.nodeInfo) ? node.object.status.nodeInfo : {};
  return asString(labels['kubernetes.io/arch']) ?? asString(status.architecture) ?? '';
}

export const driftImageTagMoved = defineRule({
  id: 'drift-image-tag-moved',
  title: 'Replicas of one controller run different digests of one tag',
  severity: 'medium',
  category: 'drift',
  tags: [...DRIFT_TAGS, 'images'],
  description:
    'Pods of one controller (the same ReplicaSet, StatefulSet, DaemonSet, Job or ReplicationController, by uid) name the same ' +
    'image tag for a container but their container statuses report different repository digests (imageID): the tag was ' +
    'moved to other content between two pulls, and the replicas now run different code under one name. It may be a rebuilt ' +
    'release or a replaced image; either way what runs is not what was reviewed. Seen from live state alone, without a record ' +
    'of earlier scans: a tag that moved while every replica still runs the old digest shows nothing until a node pulls it ' +
    'again. References that pin a digest are not judged (a pinned digest cannot move), and statuses whose imageID is an ' +
    'image configuration id rather than a repository digest are left out. Pods are compared only with pods on nodes of the ' +
    "same architecture (the Node's kubernetes.io/arch label): one tag of a multi-platform image is a different manifest per " +
    "architecture, and some runtimes report that manifest's digest. One finding per controller and container, on its " +
    'pod first by name, listing the digests. Live state only: `kshield watch` sees every pod; `kshield cluster` judges pods a ' +
    'listed controller owns through that controller, so this rule sees only pods it lists.',
  remediation: 'Pin the image by digest in the workload (image: repo:tag@sha256:...), and find out why the tag moved (the registry\'s audit log); roll the workload so that every replica runs the same reviewed digest.',
  references: [IMAGES_DOC],
  frameworks: { mitre: ['T1525'] },
  appliesTo: ['Pod'],
  reads: ['Pod', 'Node'],
  judgesOwned: true,
  judgesStatus: true,
  check(resource, context) {
    if (resource.apiVersion !== 'v1' || !isLiveObject(resource.object)) return [];
    const ref = controllerOf(resource.object);
    if (!ref?.uid) return [];
    const mine = running(resource);
    if (mine.size === 0) return [];
    const arch = architectureOf(resource, context.resources);
    const siblings = context.resources
      .inNamespace(resource.namespace ?? '')
      .filter((r) => r.kind === 'Pod' && r.apiVersion === 'v1' && controllerOf(r.object)?.uid === ref.uid && architectureOf(r, context.resources) === arch);
    const out: Violation[] = [];
    for (const [name, own] of mine) {
      if (pinnedDigest(own.image)) continue;
      // By name, not identity: in a sharded scan the pods read are copies.
      const group: Running[] = [{ pod: resource, path: own.path, digest: own.digest }];
      for (const pod of siblings) {
        if (pod.name === resource.name) continue;
        const theirs = running(pod).get(name);
        if (theirs && theirs.image === own.image) group.push({ pod, path: theirs.path, digest: theirs.digest });
      }
      const digests = new Map<string, string[]>();
      for (const g of group) digests.set(g.digest, [...(digests.get(g.digest) ?? []), g.pod.name]);
      if (digests.size < 2) continue;
      // One finding per controller and container: on the first pod by name.
      const first = group.reduce((a, b) => (b.pod.name < a.pod.name ? b : a));
      if (first.pod.name !== resource.name) continue;
      const list = [...digests].map(([digest, pods]) => `${digest} (${pods.length} pod${pods.length > 1 ? 's' : ''}: ${pods.sort().slice(0, 3).join(', ')}${pods.length > 3 ? ', ...' : ''})`);
      out.push({
        path: own.path,
        container: name,
        message: `the pods of ${ref.kind} ${ref.name} run ${own.image} in container "${name}" as ${digests.size} different digests: ${list.join('; ')}. The tag moved between pulls`,
      });
    }
    return out;
  },
  examples: {
    valid: [
      // One tag on an amd64 and an arm64 node: each runs its platform's manifest.
      `apiVersion: v1
kind: Node
metadata: {name: node-a, labels: {kubernetes.io/arch: amd64}}
---
apiVersion: v1
kind: Node
metadata: {name: node-b, labels: {kubernetes.io/arch: arm64}}
---
apiVersion: v1
kind: Pod
metadata:
  name: agent-a
  namespace: monitoring
  creationTimestamp: "2026-12-05T07:00:00Z"
  ownerReferences: [{apiVersion: apps/v1, kind: DaemonSet, name: agent, uid: 9d2f, controller: true}]
spec:
  nodeName: node-a
  containers: [{name: agent, image: "registry.example.com/ops/agent:3.1"}]
status:
  containerStatuses: [{name: agent, imageID: "registry.example.com/ops/agent@sha256:1111111111111111111111111111111111111111111111111111111111111111"}]
---
apiVersion: v1
kind: Pod
metadata:
  name: agent-b
  namespace: monitoring
  creationTimestamp: "2026-12-05T07:00:00Z"
  ownerReferences: [{apiVersion: apps/v1, kind: DaemonSet, name: agent, uid: 9d2f, controller: true}]
spec:
  nodeName: node-b
  containers: [{name: agent, image: "registry.example.com/ops/agent:3.1"}]
status:
  containerStatuses: [{name: agent, imageID: "registry.example.com/ops/agent@sha256:2222222222222222222222222222222222222222222222222222222222222222"}]`,
      `apiVersion: v1
kind: Pod
metadata:
  name: web-7d4b9c-a1
  creationTimestamp: "2026-12-05T07:00:00Z"
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-7d4b9c, uid: 7c1e, controller: true}]
spec:
  containers: [{name: web, image: "registry.example.com/shop/web:1.4.2"}]
status:
  containerStatuses: [{name: web, imageID: "registry.example.com/shop/web@sha256:4c5d1a0e8b8a2b9f0f2a8e1b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d"}]
---
apiVersion: v1
kind: Pod
metadata:
  name: web-7d4b9c-b2
  creationTimestamp: "2026-12-05T07:00:00Z"
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-7d4b9c, uid: 7c1e, controller: true}]
spec:
  containers: [{name: web, image: "registry.example.com/shop/web:1.4.2"}]
status:
  containerStatuses: [{name: web, imageID: "docker-pullable://registry.example.com/shop/web@sha256:4c5d1a0e8b8a2b9f0f2a8e1b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d"}]`,
    ],
    invalid: [
      {
        manifest: `apiVersion: v1
kind: Pod
metadata:
  name: web-7d4b9c-b2
  creationTimestamp: "2026-12-05T07:00:00Z"
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-7d4b9c, uid: 7c1e, controller: true}]
spec:
  containers: [{name: web, image: "registry.example.com/shop/web:1.4.2"}]
status:
  containerStatuses: [{name: web, imageID: "registry.example.com/shop/web@sha256:9999999999999999999999999999999999999999999999999999999999999999"}]
---
apiVersion: v1
kind: Pod
metadata:
  name: web-7d4b9c-a1
  creationTimestamp: "2026-12-05T07:00:00Z"
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-7d4b9c, uid: 7c1e, controller: true}]
spec:
  containers: [{name: web, image: "registry.example.com/shop/web:1.4.2"}]
status:
  containerStatuses: [{name: web, imageID: "registry.example.com/shop/web@sha256:4c5d1a0e8b8a2b9f0f2a8e1b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d"}]`,
        expect: [{ path: '/spec/containers/0/image', message: 'as 2 different digests' }],
      },
    ],
  },
});
