import { serviceSelecting, stream } from '../examples.js';
import type { JsonObject, Violation } from '../../core/types.js';
import { asArray, fieldAt, isObject, asNumber, asObject, asString } from '../../core/values.js';
import { defineRule } from '../define.js';
import { nsOf, nsPhrase, objectsOf, spec, } from './shared.js';

const INGRESS_DOC = 'https://kubernetes.io/docs/concepts/services-networking/ingress/';

export const danglingIngress = defineRule({
  id: 'dangling-ingress',
  title: 'Ingress routes to a missing Service or port',
  severity: 'medium',
  category: 'reliability',
  tags: ['ingress', 'services', 'cross-resource'],
  appliesTo: ['Ingress'],
  reads: ['Service'],
  description:
    'An Ingress backend (default backend or rule path) names a Service that is not in the scanned set, or a Service port (number ' +
    'or name) that Service does not expose, so the route answers 503. Only reported when the scanned set contains Services in ' +
    'that namespace. Both networking.k8s.io/v1 (service.name, service.port) and legacy (serviceName, servicePort) backends are read; ' +
    'resource backends are skipped.',
  remediation: 'Point the backend at an existing Service and one of its ports, or scan the Ingress together with its Services.',
  references: [INGRESS_DOC],
  check: (resource, context) => {
    const s = spec(resource);
    if (!s) return [];
    const services = objectsOf(context, 'Service', nsOf(resource));
    if (services.length === 0) return [];
    const backends: { path: string; backend: JsonObject }[] = [];
    for (const key of ['defaultBackend', 'backend']) if (isObject(s[key])) backends.push({ path: `/spec/${key}`, backend: s[key] as JsonObject });
    asArray(s.rules).forEach((rule, i) => {
      asArray(fieldAt(rule, 'http', 'paths')).forEach((p, j) => {
        const b = asObject(fieldAt(p, 'backend'));
        if (b) backends.push({ path: `/spec/rules/${i}/http/paths/${j}/backend`, backend: b });
      });
    });
    const out: Violation[] = [];
    for (const { path, backend } of backends) {
      const svc = asObject(backend.service);
      const name = svc ? asString(svc.name) : asString(backend.serviceName);
      if (!name) continue;
      const portNumber = svc ? asNumber(fieldAt(svc, 'port', 'number')) : asNumber(backend.servicePort);
      const portName = svc ? asString(fieldAt(svc, 'port', 'name')) : asString(backend.servicePort);
      const namePath = svc ? `${path}/service/name` : `${path}/serviceName`;
      const portPath = svc ? `${path}/service/port` : `${path}/servicePort`;
      const target = services.find((r) => r.name === name);
      if (!target) {
        out.push({ path: namePath, message: `Ingress "${resource.name}" routes to Service "${name}", which is not in ${nsPhrase(resource)}` });
        continue;
      }
      const ports = asArray(fieldAt(target.object, 'spec', 'ports')).filter(isObject);
      if (portNumber !== undefined && !ports.some((p) => p.port === portNumber))
        out.push({ path: portPath, message: `Ingress "${resource.name}" routes to port ${portNumber} of Service "${name}", which does not expose it` });
      else if (portName !== undefined && !ports.some((p) => p.name === portName))
        out.push({ path: portPath, message: `Ingress "${resource.name}" routes to port "${portName}" of Service "${name}", which has no port with that name` });
    }
    return out;
  },
  examples: {
    valid: [
      stream(
        serviceSelecting('web', '{app: web}'),
        `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  rules:
  - host: shop.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: web, port: {name: http}}`,
      ),
    ],
    invalid: [
      {
        manifest: stream(
        serviceSelecting('web', '{app: web}'),
        `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  defaultBackend:
    service: {name: web, port: {number: 8080}}
  rules:
  - host: shop.example.com
    http:
      paths:
      - path: /api
        pathType: Prefix
        backend:
          service: {name: api, port: {number: 80}}`,
      ),
        expect: ['/spec/defaultBackend/service/port', '/spec/rules/0/http/paths/0/backend/service/name'],
      },
    ],
  },
});
