import type { Severity } from '../../core/types.js';
import { defineRule } from '../define.js';
import { AUDIT_DOCS, actingUser, auditEventExample, describeObject, finalAuditEvent, succeeded } from './shared.js';

/**
 * What the bootstrap ClusterRole system:public-info-viewer (bound to system:unauthenticated) lets
 * anyone GET: exact paths, as RBAC matches nonResourceURLs without a `*`.
 */
const PUBLIC_INFO_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);
/**
 * Service account issuer discovery (system:service-account-issuer-discovery): the OIDC document and
 * the issuer's public keys, which the Kubernetes documentation suggests binding to
 * system:unauthenticated so that outside identity providers can verify tokens. Public by design.
 */
const ISSUER_DISCOVERY_PATHS = new Set(['/.well-known/openid-configuration', '/openid/v1/jwks']);
const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

function path(requestURI: string | undefined): string {
  if (!requestURI) return '';
  const q = requestURI.indexOf('?');
  return q < 0 ? requestURI : requestURI.slice(0, q);
}

export const auditAnonymousRequestAllowed = defineRule({
  id: 'audit-anonymous-request-allowed',
  title: 'Anonymous request succeeded',
  severity: 'high',
  category: 'audit',
  tags: ['audit', 'runtime', 'initial-access'],
  description:
    'A request the API server answered with success (status below 400) for the user system:anonymous or the group system:unauthenticated: with --anonymous-auth on (the default), a request without credentials is authenticated as them, and anything RBAC grants them is open to anyone who reaches the API server. ' +
    'The GETs the bootstrap role system:public-info-viewer allows everyone by design (/healthz, /livez, /readyz, /version) are not reported, nor the service account issuer\'s discovery document and public keys (/.well-known/openid-configuration, /openid/v1/jwks), which are published to anonymous clients on purpose; every other success is, at critical when it changed something (create, update, patch, delete) or read Secrets. Only the request\'s last stage (ResponseComplete or Panic) is judged.',
  remediation: 'Remove the bindings that grant system:anonymous or system:unauthenticated anything beyond the public health and version paths (`kshield rbac who-can` finds them), and turn anonymous authentication off where the health checks allow it.',
  references: [AUDIT_DOCS, 'https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests', 'https://attack.mitre.org/techniques/T1078/001/'],
  frameworks: { mitre: ['T1078.001'] },
  appliesTo: ['Event'],
  check(resource) {
    const event = finalAuditEvent(resource);
    if (!event || !succeeded(event)) return [];
    const user = actingUser(event);
    const anonymous = user.username === 'system:anonymous' || user.groups.includes('system:unauthenticated');
    if (!anonymous) return [];
    const ref = event.objectRef;
    if (!ref && event.verb === 'get' && (PUBLIC_INFO_PATHS.has(path(event.requestURI)) || ISSUER_DISCOVERY_PATHS.has(path(event.requestURI)))) return [];
    const severe = WRITE_VERBS.has(event.verb ?? '') || (ref?.resource === 'secrets' && ref.apiGroup === '');
    const what = ref ? describeObject(ref) : path(event.requestURI);
    const severity: Severity | undefined = severe ? 'critical' : undefined;
    return [
      {
        path: event.impersonatedUser ? '/impersonatedUser/username' : '/user/username',
        message: `an anonymous request (${user.username || 'system:unauthenticated'}) was allowed: ${event.verb ?? '?'} ${what} answered ${event.code}`,
        ...(severity ? { severity } : {}),
      },
    ];
  },
  examples: {
    valid: [
      auditEventExample({ verb: 'get', requestURI: '/healthz', user: { username: 'system:anonymous', groups: ['system:unauthenticated'] }, code: 200 }),
      auditEventExample({ verb: 'get', requestURI: '/openid/v1/jwks', user: { username: 'system:anonymous', groups: ['system:unauthenticated'] }, code: 200 }),
      auditEventExample({
        verb: 'list',
        requestURI: '/api/v1/namespaces/shop/pods',
        user: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
        objectRef: { resource: 'pods', namespace: 'shop', apiVersion: 'v1' },
        code: 403,
      }),
    ],
    invalid: [
      {
        manifest: auditEventExample({
          verb: 'list',
          requestURI: '/api/v1/namespaces/shop/pods?limit=500',
          user: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
          objectRef: { resource: 'pods', namespace: 'shop', apiVersion: 'v1' },
          code: 200,
        }),
        expect: [{ path: '/user/username', message: 'an anonymous request (system:anonymous) was allowed: list pods in namespace shop answered 200' }],
      },
      {
        manifest: auditEventExample({ verb: 'get', requestURI: '/metrics', user: { username: 'system:anonymous', groups: ['system:unauthenticated'] }, code: 200 }),
        expect: [{ path: '/user/username', message: 'get /metrics answered 200' }],
      },
    ],
  },
});
