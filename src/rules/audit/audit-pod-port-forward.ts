import { defineRule } from '../define.js';
import { AUDIT_DOCS, actorPath, auditEventExample, describeActor, podStreamRequest, queryParam, streamOutcome } from './shared.js';

const POD_REF = { resource: 'pods', namespace: 'shop', name: 'db-0', apiVersion: 'v1', subresource: 'portforward' };

export const auditPodPortForward = defineRule({
  id: 'audit-pod-port-forward',
  title: 'Port-forward into a pod',
  severity: 'high',
  category: 'audit',
  tags: ['audit', 'runtime', 'lateral-movement'],
  description:
    'An API request on pods/portforward: `kubectl port-forward` tunnels connections from the requester\'s machine into a pod\'s ports through the API server and the kubelet, around Services, Ingresses and NetworkPolicies. ' +
    'The session is a POST (verb create) over SPDY or a GET (verb get) upgraded to a WebSocket; only the last audit stage (ResponseComplete or Panic) is judged. ' +
    'A refused request (401, 403) is reported at medium; any other is high.',
  remediation: 'Find out who opened it and to which port (the `ports` parameter of the requestURI); reach databases and admin ports through audited bastions, and keep pods/portforward out of everyday roles.',
  references: [AUDIT_DOCS, 'https://attack.mitre.org/techniques/T1572/'],
  frameworks: { mitre: ['T1572'] },
  appliesTo: ['Event'],
  check(resource) {
    const found = podStreamRequest(resource, ['portforward']);
    if (!found) return [];
    const { event, ref } = found;
    const outcome = streamOutcome(event);
    const ports = queryParam(event.requestURI, 'ports');
    return [
      {
        path: actorPath(event),
        message: `${describeActor(event)} ${outcome.phrase} a port-forward to pod ${ref.namespace ?? '?'}/${ref.name ?? '?'}${ports ? ` (port ${ports})` : ''}`,
        ...(outcome.refused ? { severity: 'medium' as const } : {}),
      },
    ];
  },
  examples: {
    valid: [auditEventExample({ verb: 'get', requestURI: '/api/v1/namespaces/shop/pods/db-0', objectRef: { ...POD_REF, subresource: undefined }, code: 200 })],
    invalid: [
      {
        manifest: auditEventExample({ verb: 'create', requestURI: '/api/v1/namespaces/shop/pods/db-0/portforward?ports=5432', objectRef: POD_REF, code: 101 }),
        expect: [{ path: '/user/username', message: '"alice" opened a port-forward to pod shop/db-0 (port 5432)' }],
      },
    ],
  },
});
