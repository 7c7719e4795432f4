import { defineRule } from '../define.js';
import { AUDIT_DOCS, actorPath, auditEventExample, describeActor, podStreamRequest, queryParam, streamOutcome } from './shared.js';

const SUBRESOURCES = ['exec', 'attach'];
const POD_REF = { resource: 'pods', namespace: 'shop', name: 'web-7d9f8c6b5-x2x4q', apiVersion: 'v1', subresource: 'exec' };

export const auditPodExec = defineRule({
  id: 'audit-pod-exec',
  title: 'Exec into or attach to a pod',
  severity: 'high',
  category: 'audit',
  tags: ['audit', 'runtime', 'execution'],
  description:
    'An API request on pods/exec or pods/attach: `kubectl exec` and `kubectl attach` run a command in (or take over the terminal of) a running container, with its files, its environment and any Secrets and service account token it holds. ' +
    'The session is a POST (verb create) over SPDY or a GET (verb get) upgraded to a WebSocket; both are judged. Only the request\'s last audit stage (ResponseComplete or Panic) is judged, so one request gives one finding. ' +
    'A session that opened (101) or was accepted is high; a request refused by authentication or authorization (401, 403) is reported at medium, as a probe; one that failed for another reason (the pod not running) is still reported at high, since the requester was allowed to ask.',
  remediation: 'Find out who ran it and why (user, source IP, user agent and the command in the requestURI); debug with logs and ephemeral containers under change control, and keep pods/exec out of everyday roles.',
  references: [AUDIT_DOCS, 'https://attack.mitre.org/techniques/T1609/'],
  frameworks: { mitre: ['T1609'] },
  appliesTo: ['Event'],
  check(resource) {
    const found = podStreamRequest(resource, SUBRESOURCES);
    if (!found) return [];
    const { event, ref } = found;
    const outcome = streamOutcome(event);
    const container = queryParam(event.requestURI, 'container');
    const session = ref.subresource === 'attach' ? 'an attach session' : 'an exec session';
    return [
      {
        path: actorPath(event),
        message: `${describeActor(event)} ${outcome.phrase} ${session} in pod ${ref.namespace ?? '?'}/${ref.name ?? '?'}${container ? ` (container "${container}")` : ''}`,
        ...(outcome.refused ? { severity: 'medium' as const } : {}),
      },
    ];
  },
  examples: {
    valid: [
      auditEventExample({ verb: 'get', requestURI: '/api/v1/namespaces/shop/pods/web-7d9f8c6b5-x2x4q/log?container=app', objectRef: { ...POD_REF, subresource: 'log' }, code: 200 }),
      // The first stage of the same request: judged once, at ResponseComplete.
      auditEventExample({ verb: 'create', stage: 'RequestReceived', requestURI: '/api/v1/namespaces/shop/pods/web-7d9f8c6b5-x2x4q/exec?command=sh&container=app&stdin=true&tty=true', objectRef: POD_REF, code: 0 }),
    ],
    invalid: [
      {
        manifest: auditEventExample({ verb: 'create', requestURI: '/api/v1/namespaces/shop/pods/web-7d9f8c6b5-x2x4q/exec?command=sh&container=app&stdin=true&stdout=true&tty=true', objectRef: POD_REF, code: 101 }),
        expect: [{ path: '/user/username', message: '"alice" opened an exec session in pod shop/web-7d9f8c6b5-x2x4q (container "app")' }],
      },
      {
        manifest: auditEventExample({
          verb: 'get',
          requestURI: '/api/v1/namespaces/shop/pods/web-7d9f8c6b5-x2x4q/attach?container=app&stdin=true',
          objectRef: { ...POD_REF, subresource: 'attach' },
          code: 403,
          extra: { impersonatedUser: { username: 'system:serviceaccount:shop:web', groups: ['system:serviceaccounts'] } },
        }),
        expect: [{ path: '/impersonatedUser/username', message: 'impersonating "system:serviceaccount:shop:web" was refused (403) when asking to open an attach session' }],
      },
    ],
  },
});
