import type { JsonObject } from '../../core/types.js';
import { asArray, asObject, asString, isObject } from '../../core/values.js';
import { RbacModel, type BindingInfo, type RoleInfo } from '../../analysis/rbac.js';
import { CAPABILITIES, allowedRequests, type CapabilityId } from '../../analysis/rbac-capabilities.js';
import { defineRule } from '../define.js';
import { stream } from '../examples.js';
import { AUDIT_DOCS, actingUser, actorPath, auditEventExample, describeActor, finalAuditEvent, isControlPlaneUser, succeeded } from './shared.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const KINDS: Record<string, 'RoleBinding' | 'ClusterRoleBinding'> = { rolebindings: 'RoleBinding', clusterrolebindings: 'ClusterRoleBinding' };
/** The bootstrap roles that hand out a namespace (admin) or its workloads and Secrets (edit). */
const POWERFUL_DEFAULT_ROLES = new Set(['admin', 'edit']);
/** Permissions that reach cluster-admin wherever they are granted (see analysis/rbac-paths.ts). */
const ESCALATING: CapabilityId[] = ['escalate', 'bind', 'impersonate', 'approve-csr', 'nodes-proxy', 'modify-admission', 'serviceaccount-token'];
/** Permissions that reach the Secrets and service accounts of their scope: high cluster-wide, medium in one namespace. */
const SCOPED: CapabilityId[] = ['read-secrets', 'create-pods', 'create-workloads', 'exec-pods'];

type Level = 'critical' | 'high' | 'medium';

/** What makes the role powerful and how much, or undefined when it is not (or unknown). */
function powerOf(model: RbacModel, role: RoleInfo, clusterWide: boolean): { level: Level; phrase: string } | undefined {
  if (model.isFullAccess(role)) return { level: 'critical', phrase: 'full control' };
  const rules = model.rulesOf(role);
  const holds = (id: CapabilityId) => rules.some((r) => allowedRequests(r.rule, CAPABILITIES[id]).length > 0);
  const escalating = ESCALATING.filter(holds);
  const scoped = SCOPED.filter(holds);
  const phrases = [...escalating, ...scoped].map((id) => CAPABILITIES[id].phrase).join(', ');
  if (role.kind === 'ClusterRole' && role.bootstrap && POWERFUL_DEFAULT_ROLES.has(role.name)) return { level: 'high', phrase: `the default "${role.name}" role (${phrases})` };
  if (escalating.length > 0) return { level: 'high', phrase: `a role that can ${phrases}` };
  if (scoped.length > 0) return { level: clusterWide ? 'high' : 'medium', phrase: `a role that can ${phrases}` };
  return undefined;
}

function subjectsOf(body: JsonObject | undefined): string[] {
  return asArray(body?.subjects)
    .filter(isObject)
    .map((s) => `${asString(s.kind) ?? '?'} ${s.kind === 'ServiceAccount' && asString(s.namespace) ? `${asString(s.namespace)}/` : ''}${asString(s.name) ?? '?'}`);
}

export const auditPowerfulRoleBinding = defineRule({
  id: 'audit-powerful-role-binding',
  title: 'Binding to a powerful role created or changed',
  severity: 'high',
  category: 'audit',
  tags: ['audit', 'runtime', 'rbac', 'persistence'],
  description:
    'A create, update or patch of a RoleBinding or ClusterRoleBinding, accepted by the API server, whose role is cluster-admin or any role granting everything (critical); the default admin or edit roles, or a role holding a permission that leads to cluster-admin wherever it is granted: escalate, bind, impersonate, approving CSRs, nodes/proxy, changing admission webhooks, minting service account tokens (high); or a role that reads Secrets, creates pods or workloads or execs into pods, which reaches the Secrets and service accounts of its scope (high through a ClusterRoleBinding, medium in one namespace). ' +
    'The role is resolved as the API server does (a ClusterRoleBinding names a ClusterRole; a RoleBinding a ClusterRole or a Role of its namespace), among the live cluster\'s roles `kshield respond` keeps and the bootstrap roles kshield knows; a role known to neither is not judged. ' +
    'roleRef is immutable, so an update or patch is judged by the binding as stored (the responseObject, which the audit policy `kshield install respond` prints records for bindings), else by the live binding of that name. ' +
    'Bindings the API server itself reconciles at start (user system:apiserver) and the control plane\'s controllers are not judged. Only the request\'s last stage is judged.',
  remediation: 'Confirm the change was planned; if not, delete the binding, then find what the subjects did with the access (the audit log by user).',
  references: [AUDIT_DOCS, 'https://kubernetes.io/docs/concepts/security/rbac-good-practices/', 'https://attack.mitre.org/techniques/T1098/006/'],
  frameworks: { mitre: ['T1098.006'] },
  appliesTo: ['Event'],
  reads: ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'],
  check(resource, context) {
    const event = finalAuditEvent(resource);
    const ref = event?.objectRef;
    if (!event || !ref || ref.apiGroup !== RBAC_GROUP || ref.subresource || !succeeded(event)) return [];
    const kind = KINDS[ref.resource ?? ''];
    if (!kind || !['create', 'update', 'patch'].includes(event.verb ?? '') || isControlPlaneUser(actingUser(event))) return [];
    const fromResponse = event.responseObject?.kind === kind;
    let body = fromResponse ? event.responseObject : event.requestObject;
    let base = fromResponse ? '/responseObject' : '/requestObject';
    const name = asString(asObject(body?.metadata)?.name) ?? ref.name;
    const namespace = kind === 'RoleBinding' ? ref.namespace : undefined;
    if (!asObject(body?.roleRef) && name) {
      // A patch's body may leave roleRef out: the binding as the cluster holds it says which role it is.
      const live = context.resources.find(kind, namespace, name);
      if (live) {
        body = { ...live.object, ...(body && Array.isArray(body.subjects) ? { subjects: body.subjects } : {}) };
        base = '';
      }
    }
    const roleRef = asObject(body?.roleRef);
    const refKind = asString(roleRef?.kind);
    const refName = asString(roleRef?.name);
    if (!body || !refKind || !refName) return [];
    const model = RbacModel.of(context.resources);
    const binding = { kind, name: name ?? '?', namespace, roleRef: { kind: refKind, name: refName }, subjects: [] } as unknown as BindingInfo;
    const role = model.roleOf(binding);
    if (!role) return [];
    const power = powerOf(model, role, kind === 'ClusterRoleBinding');
    if (!power) return [];
    const subjects = subjectsOf(body);
    const scope = kind === 'RoleBinding' ? `in namespace ${namespace ?? '?'}` : 'cluster-wide';
    return [
      {
        path: base ? `${base}/roleRef/name` : actorPath(event),
        message: `${describeActor(event)} ${event.verb === 'create' ? 'created' : 'changed'} ${kind} ${namespace ? `${namespace}/` : ''}${name ?? '?'} granting ${refKind} ${refName}, ${power.phrase}, ${scope}${subjects.length ? ` to ${subjects.join(', ')}` : ''}`,
        ...(power.level !== 'high' ? { severity: power.level } : {}),
      },
    ];
  },
  examples: {
    valid: [
      auditEventExample({
        verb: 'create',
        level: 'RequestResponse',
        requestURI: '/apis/rbac.authorization.k8s.io/v1/namespaces/shop/rolebindings',
        objectRef: { resource: 'rolebindings', namespace: 'shop', name: 'readers', apiGroup: RBAC_GROUP, apiVersion: 'v1' },
        code: 201,
        extra: { requestObject: { kind: 'RoleBinding', apiVersion: `${RBAC_GROUP}/v1`, metadata: { name: 'readers', namespace: 'shop' }, roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'Group', name: 'support', apiGroup: RBAC_GROUP }] } },
      }),
      // The API server reconciling its bootstrap policy at start.
      auditEventExample({
        verb: 'create',
        level: 'RequestResponse',
        user: { username: 'system:apiserver', groups: ['system:masters'] },
        sourceIPs: ['127.0.0.1'],
        requestURI: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
        objectRef: { resource: 'clusterrolebindings', name: 'cluster-admin', apiGroup: RBAC_GROUP, apiVersion: 'v1' },
        code: 201,
        extra: { requestObject: { kind: 'ClusterRoleBinding', apiVersion: `${RBAC_GROUP}/v1`, metadata: { name: 'cluster-admin' }, roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'Group', name: 'system:masters', apiGroup: RBAC_GROUP }] } },
      }),
    ],
    invalid: [
      {
        manifest: auditEventExample({
          verb: 'create',
          level: 'RequestResponse',
          requestURI: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
          objectRef: { resource: 'clusterrolebindings', name: 'backup-admin', apiGroup: RBAC_GROUP, apiVersion: 'v1' },
          code: 201,
          extra: { requestObject: { kind: 'ClusterRoleBinding', apiVersion: `${RBAC_GROUP}/v1`, metadata: { name: 'backup-admin' }, roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'backup', namespace: 'shop' }] } },
        }),
        expect: [{ path: '/requestObject/roleRef/name', message: '"alice" created ClusterRoleBinding backup-admin granting ClusterRole cluster-admin, full control, cluster-wide to ServiceAccount shop/backup' }],
      },
      {
        manifest: auditEventExample({
          verb: 'create',
          level: 'RequestResponse',
          requestURI: '/apis/rbac.authorization.k8s.io/v1/namespaces/shop/rolebindings',
          objectRef: { resource: 'rolebindings', namespace: 'shop', name: 'ci-edit', apiGroup: RBAC_GROUP, apiVersion: 'v1' },
          code: 201,
          extra: { requestObject: { kind: 'RoleBinding', apiVersion: `${RBAC_GROUP}/v1`, metadata: { name: 'ci-edit', namespace: 'shop' }, roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'User', name: 'ci-bot', apiGroup: RBAC_GROUP }] } },
        }),
        expect: [{ path: '/requestObject/roleRef/name', message: 'granting ClusterRole edit, the default "edit" role (' }],
      },
      {
        // A namespace's Role that reads its Secrets: reported at medium.
        manifest: stream(
          'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: secret-reader\n  namespace: shop\nrules:\n  - apiGroups: [""]\n    resources: ["secrets"]\n    verbs: ["get", "list"]\n',
          auditEventExample({
            verb: 'create',
            level: 'RequestResponse',
            requestURI: '/apis/rbac.authorization.k8s.io/v1/namespaces/shop/rolebindings',
            objectRef: { resource: 'rolebindings', namespace: 'shop', name: 'web-secrets', apiGroup: RBAC_GROUP, apiVersion: 'v1' },
            code: 201,
            extra: { requestObject: { kind: 'RoleBinding', apiVersion: `${RBAC_GROUP}/v1`, metadata: { name: 'web-secrets', namespace: 'shop' }, roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: 'secret-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }] } },
          }),
        ),
        expect: [{ path: '/requestObject/roleRef/name', message: 'granting Role secret-reader, a role that can read Secrets, in namespace shop to ServiceAccount shop/web' }],
      },
    ],
  },
});

