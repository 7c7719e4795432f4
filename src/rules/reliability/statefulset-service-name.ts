import { serviceSelecting, stream } from '../examples.js';
import { fieldAt } from '../../core/values.js';
import { defineRule } from '../define.js';
import { SERVICE_DOC, STATEFULSET_DOC, nsOf, nsPhrase, objectsOf, spec, } from './shared.js';

export const statefulsetServiceName = defineRule({
  id: 'statefulset-service-name',
  title: 'StatefulSet without a matching headless Service',
  severity: 'low',
  category: 'reliability',
  tags: ['statefulset', 'networking', 'cross-resource'],
  appliesTo: ['StatefulSet'],
  reads: ['Service'],
  description:
    'A StatefulSet gives its pods stable DNS names (name-0.service) through the headless Service named in spec.serviceName. The ' +
    'rule reports a missing serviceName, a serviceName with no Service of that name in the namespace (only when the scanned set ' +
    'contains Services there), and a Service that is not headless (clusterIP other than None).',
  remediation: 'Create a headless Service (clusterIP: None) selecting the pods and name it in spec.serviceName.',
  references: [STATEFULSET_DOC + '#stable-network-id', SERVICE_DOC + '#headless-services'],
  check: (resource, context) => {
    const s = spec(resource);
    if (!s) return [];
    const name = s.serviceName;
    if (typeof name !== 'string' || name === '') return [{ path: name === undefined ? '/spec' : '/spec/serviceName', message: `StatefulSet "${resource.name}" sets no serviceName, so its pods get no stable DNS names` }];
    const services = objectsOf(context, 'Service', nsOf(resource));
    if (services.length === 0) return [];
    const svc = services.find((r) => r.name === name);
    if (!svc) return [{ path: '/spec/serviceName', message: `StatefulSet "${resource.name}" names Service "${name}", which is not in ${nsPhrase(resource)}` }];
    const clusterIP = fieldAt(svc.object, 'spec', 'clusterIP');
    if (clusterIP !== 'None') return [{ path: '/spec/serviceName', message: `StatefulSet "${resource.name}" names Service "${name}", which is not headless (clusterIP is ${clusterIP === undefined ? 'unset' : JSON.stringify(clusterIP)}, not None)` }];
    return [];
  },
  examples: {
    valid: [
      stream(
        `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: registry.example.com/postgres:16.3}]`,
        serviceSelecting('db', '{app: db}', '[{name: pg, port: 5432}]', '  clusterIP: None'),
      ),
    ],
    invalid: [
      {
        manifest: `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: registry.example.com/postgres:16.3}]`,
        expect: ['/spec'],
      },
      {
        manifest: stream(
        `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: registry.example.com/postgres:16.3}]`,
        serviceSelecting('db', '{app: db}', '[{name: pg, port: 5432}]'),
      ),
        expect: ['/spec/serviceName'],
      },
    ],
  },
});
