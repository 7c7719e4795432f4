import { defineRule } from '../define.js';
import { AUDIT_DOCS, actingUser, actorPath, auditEventExample, describeActor, finalAuditEvent, succeeded } from './shared.js';

const SA_REF = { resource: 'serviceaccounts', namespace: 'kube-system', name: 'replicaset-controller', apiVersion: 'v1', subresource: 'token' };

export const auditServiceaccountTokenOther = defineRule({
  id: 'audit-serviceaccount-token-other',
  title: 'Token issued for another service account',
  severity: 'high',
  category: 'audit',
  tags: ['audit', 'runtime', 'credential-access'],
  description:
    'A TokenRequest (create on serviceaccounts/token, what `kubectl create token` sends) that the API server granted, made by an identity other than the service account itself: the requester now holds a token to act as that account for the token\'s lifetime. ' +
    'Not reported: an account asking for its own token; kubelets (user system:node:*, group system:nodes), which request tokens for the projected volumes of the pods on their node (the NodeRestriction admission plugin limits them to those); and the controller manager (user system:kube-controller-manager) asking for its controllers\' kube-system accounts, as it does at start with --use-service-account-credentials. ' +
    'A refused TokenRequest issued nothing and is not reported. Only the request\'s last stage (ResponseComplete or Panic) is judged.',
  remediation: 'Find out who asked and why; if it was not planned, rotate what the account can reach, delete and recreate the service account (which invalidates its tokens), and remove serviceaccounts/token create from the requester\'s roles.',
  references: [AUDIT_DOCS, 'https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/token-request-v1/', 'https://attack.mitre.org/techniques/T1528/'],
  frameworks: { mitre: ['T1528'] },
  appliesTo: ['Event'],
  check(resource) {
    const event = finalAuditEvent(resource);
    const ref = event?.objectRef;
    if (!event || !ref || ref.resource !== 'serviceaccounts' || ref.subresource !== 'token' || ref.apiGroup !== '' || event.verb !== 'create' || !succeeded(event)) return [];
    if (!ref.namespace || !ref.name) return [];
    const user = actingUser(event);
    if (user.username === `system:serviceaccount:${ref.namespace}:${ref.name}`) return [];
    if (user.groups.includes('system:nodes') && user.username.startsWith('system:node:')) return [];
    // With --use-service-account-credentials the controller manager runs each controller as its own
    // kube-system account, minting their tokens through TokenRequest (seen against kube-apiserver 1.20).
    if (user.username === 'system:kube-controller-manager' && ref.namespace === 'kube-system') return [];
    return [{ path: actorPath(event), message: `${describeActor(event)} was issued a token for service account ${ref.namespace}/${ref.name}` }];
  },
  examples: {
    valid: [
      auditEventExample({
        verb: 'create',
        user: { username: 'system:node:worker-1', groups: ['system:nodes', 'system:authenticated'] },
        requestURI: '/api/v1/namespaces/shop/serviceaccounts/web/token',
        objectRef: { ...SA_REF, namespace: 'shop', name: 'web' },
        code: 201,
      }),
      auditEventExample({ verb: 'create', requestURI: '/api/v1/namespaces/kube-system/serviceaccounts/replicaset-controller/token', objectRef: SA_REF, code: 403 }),
      auditEventExample({
        verb: 'create',
        user: { username: 'system:kube-controller-manager', groups: ['system:authenticated'] },
        requestURI: '/api/v1/namespaces/kube-system/serviceaccounts/replicaset-controller/token',
        objectRef: SA_REF,
        code: 201,
      }),
    ],
    invalid: [
      {
        manifest: auditEventExample({ verb: 'create', requestURI: '/api/v1/namespaces/kube-system/serviceaccounts/replicaset-controller/token', objectRef: SA_REF, code: 201 }),
        expect: [{ path: '/user/username', message: '"alice" was issued a token for service account kube-system/replicaset-controller' }],
      },
    ],
  },
});
