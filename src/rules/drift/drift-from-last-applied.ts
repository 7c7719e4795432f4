import type { JsonObject, Violation } from '../../core/types.js';
import { asObject, asString, isObject } from '../../core/values.js';
import { isBuiltinApiVersion } from '../../k8s/pods.js';
import { securityFieldDrift, securityFieldList } from '../../k8s/security-fields.js';
import { defineRule } from '../define.js';
import { DRIFT_TAGS } from './shared.js';
import { DESIRED_STATE_KIND } from './drift-from-desired.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const APPLY_DOC = 'https://kubernetes.io/docs/tasks/manage-kubernetes-objects/declarative-config/#merge-patch-calculation';
/** The API server caps all annotations of an object at 256 KiB together; anything longer is not kubectl's. */
const MAX_ANNOTATION = 256 * 1024;

/** The object kubectl last applied, when the annotation holds one of the same kind. */
export function lastApplied(object: JsonObject, kind: string): JsonObject | undefined {
  const text = asString(asObject(asObject(object.metadata)?.annotations)?.[LAST_APPLIED]);
  if (text === undefined || text.length > MAX_ANNOTATION) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isObject(parsed) && parsed.kind === kind ? parsed : undefined;
}

export const driftFromLastApplied = defineRule({
  id: 'drift-from-last-applied',
  title: 'Live workload differs from what kubectl last applied, in a security-relevant field',
  severity: 'high',
  category: 'drift',
  tags: [...DRIFT_TAGS, 'gitops'],
  description:
    `A workload carries the \`${LAST_APPLIED}\` annotation (kubectl apply writes there the manifest it applied) and its live ` +
    'spec is weaker than that manifest in a security-relevant field: someone changed it after it was applied (kubectl edit, ' +
    'patch or set, or a controller), and the next apply from the same source would not even show it, since apply only touches ' +
    'the fields it manages. The fields compared, with the defaults the API server fills in (absent hostNetwork is false, absent ' +
    `serviceAccountName is default), are: ${securityFieldList()}. ` +
    'A live value stricter than the applied one (a policy engine adding runAsNonRoot) is not reported; fields without an ' +
    'order (image, service account, runtime class, SELinux options, sysctls, ids) are reported when they changed. Each ' +
    'difference is one finding at the live field, with its own severity: high for privilege (privileged, host namespaces, ' +
    'hostPath volumes, capabilities beyond the runtime defaults, root user ids, an Unconfined seccomp or AppArmor profile), ' +
    'medium for the rest, low for image-independent ids and groups. With `--desired`, a workload a manifest declares is ' +
    'compared with the manifest instead (drift-from-desired): the same changed field is one finding, not two.',
  remediation: 'Re-apply the manifest from its source (kubectl apply, or let the GitOps controller sync), and find out who changed the live object (the API server audit log).',
  references: [APPLY_DOC],
  frameworks: { mitre: ['T1578'] },
  appliesTo: 'workloads',
  reads: [DESIRED_STATE_KIND],
  check(resource, context) {
    if (!isBuiltinApiVersion(resource.apiVersion)) return [];
    // Declared in --desired: drift-from-desired reports the same fields against the manifest.
    if (context.resources.find(DESIRED_STATE_KIND, resource.namespace ?? 'default', `${resource.kind}.${resource.name}`)) return [];
    const applied = lastApplied(resource.object, resource.kind);
    if (!applied) return [];
    return securityFieldDrift({ kind: resource.kind, apiVersion: resource.apiVersion, object: applied }, resource, 'last applied').map(
      (d): Violation => ({
        path: d.livePath,
        message: d.message,
        severity: d.severity,
        ...(d.container !== undefined ? { container: d.container } : {}),
        key: d.field,
        cause: d.livePath,
      }),
    );
  },
  examples: {
    valid: [
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: |
      {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"},"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"registry.example.com/shop/web:1.4.2"}]}}}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccount: default
      securityContext: {runAsNonRoot: true}
      containers:
      - name: web
        image: registry.example.com/shop/web:1.4.2@sha256:4c5d1a0e8b8a2b9f0f2a8e1b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d
        imagePullPolicy: IfNotPresent
        terminationMessagePath: /dev/termination-log`,
    ],
    invalid: [
      {
        manifest: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: |
      {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"},"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"registry.example.com/shop/web:1.4.2","securityContext":{"capabilities":{"drop":["ALL"]}}}]}}}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      hostNetwork: true
      containers:
      - name: web
        image: registry.example.com/shop/web:1.4.2
        securityContext:
          privileged: true
          capabilities: {drop: [ALL], add: [SYS_ADMIN]}`,
        expect: [
          { path: '/spec/template/spec/hostNetwork', message: "the pod shares the node's network namespace: true live, not set last applied" },
          { path: '/spec/template/spec/containers/0/securityContext/privileged', message: 'container "web" runs privileged: true live' },
          { path: '/spec/template/spec/containers/0/securityContext/capabilities/add/0', message: 'container "web" adds capability SYS_ADMIN, which the last-applied configuration does not add' },
        ],
      },
    ],
  },
});
