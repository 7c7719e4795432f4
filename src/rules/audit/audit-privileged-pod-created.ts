import type { JsonObject, Violation } from '../../core/types.js';
import { asArray, asObject, isObject } from '../../core/values.js';
import { containers, podSpecs } from '../../k8s/pods.js';
import { defineRule } from '../define.js';
import { AUDIT_DOCS, actingUser, auditEventExample, describeActor, finalAuditEvent, isControlPlaneUser, succeeded } from './shared.js';

/** The built-in resources that hold a pod spec, by API group and resource: the kind their body is. */
const POD_RESOURCES: Record<string, string> = {
  '/pods': 'Pod',
  'apps/deployments': 'Deployment',
  'apps/statefulsets': 'StatefulSet',
  'apps/daemonsets': 'DaemonSet',
  'apps/replicasets': 'ReplicaSet',
  '/replicationcontrollers': 'ReplicationController',
  'batch/jobs': 'Job',
  'batch/cronjobs': 'CronJob',
};

/** Whether a pod names a controller among its owners (a ReplicaSet's, a Job's pod). */
function controlled(object: JsonObject): boolean {
  return asArray(asObject(object.metadata)?.ownerReferences).some((o) => isObject(o) && o.controller === true);
}

/** The annotation a kubelet puts on the mirror pod of a static pod (kubelet/types: ConfigMirrorAnnotationKey). */
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

/** A kubelet creating the mirror pod of a static pod from its node's manifests (control-plane pods are host-network, with hostPath). */
function mirrorPodByNode(object: JsonObject, user: { username: string; groups: string[] }): boolean {
  const annotations = asObject(asObject(object.metadata)?.annotations);
  return annotations?.[MIRROR_ANNOTATION] !== undefined && user.username.startsWith('system:node:') && user.groups.includes('system:nodes');
}

const HOST_NAMESPACES = { hostPID: 'PID', hostIPC: 'IPC', hostNetwork: 'network' } as const;

export const auditPrivilegedPodCreated = defineRule({
  id: 'audit-privileged-pod-created',
  title: 'Pod or workload created privileged or with host access',
  severity: 'high',
  category: 'audit',
  tags: ['audit', 'runtime', 'privilege-escalation'],
  description:
    'A create request, accepted by the API server, for a pod (or a Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job or CronJob) whose pod spec has a privileged container, a hostPath volume, or the node\'s PID, IPC or network namespace: each is a way out of the container onto the node. ' +
    'The body is read from the event\'s responseObject (the object as stored, after mutating admission) when the audit policy records it, else from its requestObject: the audit policy must log pod and workload creates at level Request or RequestResponse (`kshield install respond` prints one that does); at level Metadata there is no body and nothing is judged. ' +
    'Pods a control-plane controller creates for a workload it owns (the ReplicaSet controller\'s, the DaemonSet controller\'s) are not judged again: the workload\'s own create was; nor the mirror pods kubelets create for the static pods in their node\'s manifest directory (annotation kubernetes.io/config.mirror; what runs is the node\'s file, which only the node\'s administrators can write). Only the request\'s last stage (ResponseComplete or Panic) is judged.',
  remediation: 'Find out who created it and why; if it was not a planned change, delete the workload and review the namespace\'s Pod Security Admission level (privileged pods belong only in namespaces labelled for them).',
  references: [AUDIT_DOCS, 'https://kubernetes.io/docs/concepts/security/pod-security-standards/', 'https://attack.mitre.org/techniques/T1611/'],
  frameworks: { mitre: ['T1610', 'T1611'] },
  appliesTo: ['Event'],
  check(resource) {
    const event = finalAuditEvent(resource);
    const ref = event?.objectRef;
    if (!event || !ref || ref.subresource || event.verb !== 'create' || !succeeded(event)) return [];
    const kind = POD_RESOURCES[`${ref.apiGroup}/${ref.resource ?? ''}`];
    if (!kind) return [];
    const fromResponse = event.responseObject && event.responseObject.kind === kind;
    const body = fromResponse ? event.responseObject : event.requestObject;
    if (!body) return [];
    const base = fromResponse ? '/responseObject' : '/requestObject';
    if (kind === 'Pod' && controlled(body) && isControlPlaneUser(actingUser(event))) return [];
    if (kind === 'Pod' && mirrorPodByNode(body, actingUser(event))) return [];
    const shape = { apiVersion: ref.apiGroup ? `${ref.apiGroup}/${ref.apiVersion ?? 'v1'}` : 'v1', kind, object: body };
    const name = asObject(body.metadata)?.name ?? ref.name ?? asObject(body.metadata)?.generateName ?? '?';
    const what = `${kind} ${ref.namespace ?? '?'}/${String(name)}`;
    const out: Violation[] = [];
    for (const c of containers(shape)) {
      if (asObject(c.container.securityContext)?.privileged === true)
        out.push({ path: `${base}${c.path}/securityContext/privileged`, message: `${describeActor(event)} created ${what} with privileged container "${c.name}"`, container: c.name });
    }
    for (const pod of podSpecs(shape)) {
      for (const [field, word] of Object.entries(HOST_NAMESPACES))
        if (pod.spec[field] === true) out.push({ path: `${base}${pod.path}/${field}`, message: `${describeActor(event)} created ${what} with ${field}: true (the node's ${word} namespace)` });
      asArray(pod.spec.volumes).forEach((v, i) => {
        const hostPath = isObject(v) ? asObject(v.hostPath) : undefined;
        if (hostPath) out.push({ path: `${base}${pod.path}/volumes/${i}/hostPath`, message: `${describeActor(event)} created ${what} mounting the node's ${typeof hostPath.path === 'string' ? `"${hostPath.path}"` : 'files'} (hostPath volume "${String(asObject(v)?.name ?? i)}")` });
      });
    }
    return out;
  },
  examples: {
    valid: [
      // Metadata level: no body, nothing to judge.
      auditEventExample({ verb: 'create', requestURI: '/api/v1/namespaces/shop/pods', objectRef: { resource: 'pods', namespace: 'shop', name: 'debug', apiVersion: 'v1' }, code: 201 }),
      // Refused by admission (Pod Security): not created.
      auditEventExample({
        verb: 'create',
        level: 'Request',
        requestURI: '/api/v1/namespaces/shop/pods',
        objectRef: { resource: 'pods', namespace: 'shop', name: 'debug', apiVersion: 'v1' },
        code: 403,
        extra: { requestObject: { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'debug', namespace: 'shop' }, spec: { containers: [{ name: 'sh', image: 'busybox', securityContext: { privileged: true } }] } } },
      }),
      // The ReplicaSet controller's pod for a DaemonSet's or Deployment's template: the workload's create is judged.
      auditEventExample({
        verb: 'create',
        level: 'Request',
        user: { username: 'system:serviceaccount:kube-system:daemon-set-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] },
        requestURI: '/api/v1/namespaces/monitoring/pods',
        objectRef: { resource: 'pods', namespace: 'monitoring', apiVersion: 'v1' },
        code: 201,
        extra: {
          requestObject: {
            kind: 'Pod',
            apiVersion: 'v1',
            metadata: { generateName: 'node-agent-', namespace: 'monitoring', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'node-agent', uid: 'a1', controller: true }] },
            spec: { hostPID: true, containers: [{ name: 'agent', image: 'registry.example.com/agent:1.2' }] },
          },
        },
      }),
      // A kubelet's mirror pod of a static control-plane pod.
      auditEventExample({
        verb: 'create',
        level: 'Request',
        user: { username: 'system:node:cp-1', groups: ['system:nodes', 'system:authenticated'] },
        requestURI: '/api/v1/namespaces/kube-system/pods',
        objectRef: { resource: 'pods', namespace: 'kube-system', name: 'etcd-cp-1', apiVersion: 'v1' },
        code: 201,
        extra: {
          requestObject: {
            kind: 'Pod',
            apiVersion: 'v1',
            metadata: { name: 'etcd-cp-1', namespace: 'kube-system', annotations: { 'kubernetes.io/config.mirror': '3c1f5c0e7b1d', 'kubernetes.io/config.source': 'file' } },
            spec: { hostNetwork: true, containers: [{ name: 'etcd', image: 'registry.k8s.io/etcd:3.5.15-0' }], volumes: [{ name: 'etcd-data', hostPath: { path: '/var/lib/etcd', type: 'DirectoryOrCreate' } }] },
          },
        },
      }),
    ],
    invalid: [
      {
        manifest: auditEventExample({
          verb: 'create',
          level: 'Request',
          requestURI: '/api/v1/namespaces/shop/pods',
          objectRef: { resource: 'pods', namespace: 'shop', name: 'debug', apiVersion: 'v1' },
          code: 201,
          extra: {
            requestObject: {
              kind: 'Pod',
              apiVersion: 'v1',
              metadata: { name: 'debug', namespace: 'shop' },
              spec: { containers: [{ name: 'sh', image: 'busybox', securityContext: { privileged: true } }], volumes: [{ name: 'root', hostPath: { path: '/' } }] },
            },
          },
        }),
        expect: [
          { path: '/requestObject/spec/containers/0/securityContext/privileged', message: '"alice" created Pod shop/debug with privileged container "sh"' },
          { path: '/requestObject/spec/volumes/0/hostPath', message: 'mounting the node\'s "/" (hostPath volume "root")' },
        ],
      },
      {
        manifest: auditEventExample({
          verb: 'create',
          level: 'RequestResponse',
          requestURI: '/apis/apps/v1/namespaces/monitoring/daemonsets',
          objectRef: { resource: 'daemonsets', namespace: 'monitoring', name: 'node-agent', apiGroup: 'apps', apiVersion: 'v1' },
          code: 201,
          extra: {
            responseObject: {
              kind: 'DaemonSet',
              apiVersion: 'apps/v1',
              metadata: { name: 'node-agent', namespace: 'monitoring' },
              spec: { selector: { matchLabels: { app: 'node-agent' } }, template: { metadata: { labels: { app: 'node-agent' } }, spec: { hostNetwork: true, containers: [{ name: 'agent', image: 'registry.example.com/agent:1.2' }] } } },
            },
          },
        }),
        expect: [{ path: '/responseObject/spec/template/spec/hostNetwork', message: 'created DaemonSet monitoring/node-agent with hostNetwork: true' }],
      },
    ],
  },
});
