import { deploymentFromParts, serviceSelecting, stream } from '../examples.js';
import { isObject, stringMap } from '../../core/values.js';
import { formatMapSelector } from '../../k8s/labels.js';
import { defineRule } from '../define.js';
import { CUSTOM_RESOURCES } from '../../engine/rule.js';
import { mapSelectsSomePod } from '../../k8s/controller-labels.js';
import { KAFKA_CR, LABELS_DOC, PROMETHEUS_CR, SERVICE_DOC, nsOf, nsPhrase, operatorMayCreate, podOwnersIn, podOwnersWithLabel, spec, } from './shared.js';

export const danglingService = defineRule({
  id: 'dangling-service',
  title: 'Service selects no pods',
  severity: 'medium',
  category: 'reliability',
  tags: ['services', 'selectors', 'cross-resource'],
  appliesTo: ['Service'],
  reads: ['workloads', 'HorizontalPodAutoscaler', CUSTOM_RESOURCES],
  description:
    'The Service has a selector, but no workload in the scanned set has pods carrying all of its labels, so the ' +
    'Service has no endpoints and every connection fails. Pods carry their template\'s labels and those their controller adds ' +
    '(statefulset.kubernetes.io/pod-name <set>-<ordinal> and apps.kubernetes.io/pod-index for the ordinals a StatefulSet runs, ' +
    'pod-template-hash, controller-revision-hash, job-name and the other labels of src/core/controller-labels.ts). Only reported when the scanned set contains workloads in that ' +
    'namespace: a Service scanned without its workloads is not judged. Services without a selector (endpoints managed by hand) ' +
    'and ExternalName Services are skipped. Pods that operators make from custom resources in the scanned set (a Prometheus ' +
    'Operator Prometheus, PrometheusAgent, Alertmanager or ThanosRuler, or a kind declared under operatorWorkloads in the configuration) count ' +
    'as workloads. When nothing matches but the namespace holds custom resources of kinds kshield does not know (and does not know ' +
    'to make no pods, as ServiceMonitor or cert-manager objects), or the selector ' +
    'requires a label operators set on their pods (operator.prometheus.io/..., strimzi.io/..., cnpg.io/..., *.k8s.elastic.co/..., ' +
    'postgres-operator.crunchydata.com/..., or app.kubernetes.io/managed-by naming an operator), the finding says the pods may be ' +
    'created by an operator and is reported at low severity.',
  remediation: 'Fix the Service selector (or the pod template labels) so that they match, or scan the Service together with its workload.',
  references: [SERVICE_DOC, LABELS_DOC],
  check: (resource, context) => {
    const s = spec(resource);
    if (!s || s.type === 'ExternalName' || !isObject(s.selector)) return [];
    const raw = s.selector;
    if (Object.keys(raw).length === 0 || Object.values(raw).some((v) => typeof v !== 'string')) return [];
    const selector = stringMap(raw);
    const ns = nsOf(resource);
    if (podOwnersIn(context, ns).length === 0) return [];
    const [k, v] = Object.entries(selector)[0];
    if (podOwnersWithLabel(context, ns, k, v).some((o) => mapSelectsSomePod(selector, o.pods))) return [];
    const operator = operatorMayCreate(context, resource, Object.entries(selector).map(([key, value]) => ({ key, operator: 'In', values: [value] })));
    if (operator)
      return [{ path: '/spec/selector', severity: 'low', message: `Service "${resource.name}" selects ${formatMapSelector(selector)}: no workload in the input matches; it may be created by an operator: ${operator}` }];
    return [{ path: '/spec/selector', message: `Service "${resource.name}" selects ${formatMapSelector(selector)}, but no workload in ${nsPhrase(resource)} has pods with these labels` }];
  },
  examples: {
    valid: [
      stream(deploymentFromParts(), serviceSelecting('web', '{app: web}')),
      serviceSelecting('web', '{app: web}'),
      stream(deploymentFromParts(), PROMETHEUS_CR, serviceSelecting('prometheus', '{app.kubernetes.io/name: prometheus, app.kubernetes.io/instance: k8s}', '[{name: web, port: 9090, targetPort: web}]')),
    ],
    invalid: [
      { manifest: stream(deploymentFromParts(), serviceSelecting('web', '{app: web, tier: frontend}')), expect: ['/spec/selector'] },
      { manifest: stream(deploymentFromParts(), KAFKA_CR, serviceSelecting('kafka', '{app: kafka}')), expect: ['/spec/selector'] },
    ],
  },
});
