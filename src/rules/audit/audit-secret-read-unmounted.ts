import type { JsonObject } from '../../core/types.js';
import { asArray, asObject, asString, isObject } from '../../core/values.js';
import type { ResourceSet } from '../../k8s/resource-set.js';
import { CONTAINER_TYPES, podServiceAccountName, podSpecs } from '../../k8s/pods.js';
import { parseServiceAccountUser } from '../../analysis/rbac.js';
import { stream } from '../examples.js';
import { defineRule } from '../define.js';
import { AUDIT_DOCS, actingUser, actorPath, auditEventExample, describeActor, finalAuditEvent, succeeded } from './shared.js';

const READ_VERBS = new Set(['get', 'list', 'watch']);

/** Names listed under `key` (objects with a `name`) in a list field. */
function names(list: unknown, key = 'name'): string[] {
  return asArray(list)
    .map((item) => (isObject(item) ? asString(item[key]) : undefined))
    .filter((n): n is string => n !== undefined && n !== '');
}

/** Every Secret a pod spec gives its containers or its kubelet: volumes, projected volumes, env, envFrom, imagePullSecrets. */
export function secretsOfPodSpec(spec: JsonObject): string[] {
  const out = new Set<string>();
  for (const volume of asArray(spec.volumes)) {
    if (!isObject(volume)) continue;
    const secretName = asString(asObject(volume.secret)?.secretName);
    if (secretName) out.add(secretName);
    for (const source of asArray(asObject(volume.projected)?.sources)) {
      const name = isObject(source) ? asString(asObject(source.secret)?.name) : undefined;
      if (name) out.add(name);
    }
  }
  for (const name of names(spec.imagePullSecrets)) out.add(name);
  for (const type of CONTAINER_TYPES)
    for (const c of asArray(spec[type])) {
      if (!isObject(c)) continue;
      for (const env of asArray(c.env)) {
        const name = isObject(env) ? asString(asObject(asObject(env.valueFrom)?.secretKeyRef)?.name) : undefined;
        if (name) out.add(name);
      }
      for (const from of asArray(c.envFrom)) {
        const name = isObject(from) ? asString(asObject(from.secretRef)?.name) : undefined;
        if (name) out.add(name);
      }
    }
  return [...out];
}

/** The pods (and pod templates) of the namespace that run as the account, and the Secrets they hold. */
function mountedBy(set: ResourceSet, namespace: string, account: string): { pods: number; secrets: Set<string> } {
  const secrets = new Set<string>();
  let pods = 0;
  for (const r of set.inNamespace(namespace))
    for (const pod of podSpecs(r)) {
      if (podServiceAccountName(pod.spec) !== account) continue;
      pods++;
      for (const name of secretsOfPodSpec(pod.spec)) secrets.add(name);
    }
  return { pods, secrets };
}

export const auditSecretReadUnmounted = defineRule({
  id: 'audit-secret-read-unmounted',
  title: 'Service account read Secrets its pods do not mount',
  severity: 'medium',
  category: 'audit',
  tags: ['audit', 'runtime', 'credential-access', 'secrets'],
  description:
    'A successful get, list or watch of Secrets by a service account, for Secrets none of the pods running as that account use (secret and projected volumes, env secretKeyRef, envFrom secretRef, imagePullSecrets, and the account\'s own secrets and imagePullSecrets): a workload\'s token reading credentials that are not its own is how a stolen token is used. ' +
    'A list or watch without a name reads every Secret of its namespace (or of every namespace) and is always reported, at high when cluster-wide; a list or watch narrowed to one name by the field selector metadata.name (the API server then records that name) is judged like a get. A Secret of another namespace is never one the account\'s pods mount. ' +
    'Judged against the live cluster\'s ServiceAccounts and workloads, which `kshield respond` keeps: when the account is not among them the read is not assessable and nothing is reported. kube-system accounts no pod runs as are the controller manager\'s controllers (--use-service-account-credentials) and are not judged. Users (people) are not judged: this rule is about workload identities. ' +
    'Operators that manage Secrets through the API (cert-manager, external-secrets, Argo CD) read Secrets they do not mount by design: exempt their accounts. Only the request\'s last stage is judged.',
  remediation: 'Find out whether the account\'s workload reads that Secret by design; if not, treat the token as stolen (delete the pod, rotate the Secrets read) and narrow the account\'s roles to the Secrets it needs (resourceNames).',
  references: [AUDIT_DOCS, 'https://kubernetes.io/docs/concepts/security/secrets-good-practices/', 'https://attack.mitre.org/techniques/T1552/007/'],
  frameworks: { mitre: ['T1552.007'] },
  appliesTo: ['Event'],
  reads: ['ServiceAccount', 'workloads'],
  check(resource, context) {
    const event = finalAuditEvent(resource);
    const ref = event?.objectRef;
    if (!event || !ref || ref.resource !== 'secrets' || ref.apiGroup !== '' || ref.subresource || !READ_VERBS.has(event.verb ?? '') || !succeeded(event)) return [];
    const sa = parseServiceAccountUser(actingUser(event).username);
    if (!sa) return [];
    const account = context.resources.find('ServiceAccount', sa.namespace, sa.name);
    if (!account) return []; // not assessable: the live state does not hold the account
    const { pods, secrets } = mountedBy(context.resources, sa.namespace, sa.name);
    if (pods === 0 && sa.namespace === 'kube-system') return [];
    for (const name of [...names(account.object.secrets), ...names(account.object.imagePullSecrets)]) secrets.add(name);
    const who = `${describeActor(event)} (${pods === 0 ? 'no pod runs as it' : `${pods} pod spec${pods === 1 ? '' : 's'} run${pods === 1 ? 's' : ''} as it`})`;
    if (!ref.name) {
      const scope = ref.namespace ? `every Secret of namespace ${ref.namespace}` : 'every Secret of every namespace';
      return [{ path: '/verb', message: `${who} read ${scope} (${event.verb})`, ...(ref.namespace ? {} : { severity: 'high' as const }) }];
    }
    if (ref.namespace === sa.namespace && secrets.has(ref.name)) return [];
    return [{ path: actorPath(event), message: `${who} read Secret ${ref.namespace ?? '?'}/${ref.name}, which its pods do not mount (${event.verb})` }];
  },
  examples: {
    valid: [
      stream(
        'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n  namespace: shop\n',
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-1\n  namespace: shop\nspec:\n  serviceAccountName: web\n  containers:\n    - name: app\n      image: registry.example.com/shop/web:1.4.2\n      envFrom:\n        - secretRef: {name: web-db}\n',
        auditEventExample({
          verb: 'get',
          user: { username: 'system:serviceaccount:shop:web', groups: ['system:serviceaccounts', 'system:serviceaccounts:shop', 'system:authenticated'] },
          requestURI: '/api/v1/namespaces/shop/secrets/web-db',
          objectRef: { resource: 'secrets', namespace: 'shop', name: 'web-db', apiVersion: 'v1' },
          code: 200,
        }),
      ),
      // Not assessable: the account is not among the live objects.
      auditEventExample({
        verb: 'get',
        user: { username: 'system:serviceaccount:shop:web', groups: ['system:serviceaccounts', 'system:authenticated'] },
        requestURI: '/api/v1/namespaces/shop/secrets/payments-api',
        objectRef: { resource: 'secrets', namespace: 'shop', name: 'payments-api', apiVersion: 'v1' },
        code: 200,
      }),
    ],
    invalid: [
      {
        manifest: stream(
          'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n  namespace: shop\n',
          'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      serviceAccountName: web\n      containers:\n        - name: app\n          image: registry.example.com/shop/web:1.4.2\n          env:\n            - name: DB_PASSWORD\n              valueFrom:\n                secretKeyRef: {name: web-db, key: password}\n',
          auditEventExample({
            verb: 'get',
            user: { username: 'system:serviceaccount:shop:web', groups: ['system:serviceaccounts', 'system:serviceaccounts:shop', 'system:authenticated'] },
            requestURI: '/api/v1/namespaces/shop/secrets/payments-api',
            objectRef: { resource: 'secrets', namespace: 'shop', name: 'payments-api', apiVersion: 'v1' },
            code: 200,
          }),
        ),
        expect: [{ path: '/user/username', message: '"system:serviceaccount:shop:web" (1 pod spec runs as it) read Secret shop/payments-api, which its pods do not mount (get)' }],
      },
      {
        manifest: stream(
          'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n  namespace: shop\n',
          auditEventExample({
            verb: 'list',
            user: { username: 'system:serviceaccount:shop:web', groups: ['system:serviceaccounts', 'system:serviceaccounts:shop', 'system:authenticated'] },
            requestURI: '/api/v1/secrets?limit=500',
            objectRef: { resource: 'secrets', apiVersion: 'v1' },
            code: 200,
          }),
        ),
        expect: [{ path: '/verb', message: 'no pod runs as it) read every Secret of every namespace (list)' }],
      },
    ],
  },
});
