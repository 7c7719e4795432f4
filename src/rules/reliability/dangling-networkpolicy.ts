import { deploymentFromParts, stream } from '../examples.js';
import { formatSelector, isEmptySelector, parseLabelSelector } from '../../k8s/labels.js';
import { defineRule } from '../define.js';
import { CUSTOM_RESOURCES } from '../../engine/rule.js';
import { KAFKA_CR, LABELS_DOC, PROMETHEUS_CR, nsPhrase, operatorMayCreate, ownersSelectedBy, spec, } from './shared.js';

const NETPOL_DOC = 'https://kubernetes.io/docs/concepts/services-networking/network-policies/';

export const danglingNetworkpolicy = defineRule({
  id: 'dangling-networkpolicy',
  title: 'NetworkPolicy selects no pods',
  severity: 'low',
  category: 'reliability',
  tags: ['network-policy', 'selectors', 'cross-resource'],
  appliesTo: ['NetworkPolicy'],
  reads: ['workloads', 'HorizontalPodAutoscaler', CUSTOM_RESOURCES],
  description:
    'spec.podSelector matches no pod of the workloads in the scanned set (their template labels and those their controllers add, ' +
    'as for dangling-service), so the policy protects nothing; often a label typo that leaves ' +
    'the intended pods unrestricted. An empty podSelector selects every pod of the namespace and is never reported (an absent one ' +
    'is treated the same way, as the API does). Only reported when the scanned set contains workloads in that namespace. Pods ' +
    'that operators make from custom resources in the scanned set count as workloads; when nothing matches but an operator may ' +
    'create the pods (as for dangling-service), the finding says so.',
  remediation: 'Fix spec.podSelector so that it selects the pods the policy is meant for.',
  references: [NETPOL_DOC, LABELS_DOC],
  check: (resource, context) => {
    const s = spec(resource);
    if (!s) return [];
    const parsed = parseLabelSelector(s.podSelector);
    if (parsed.kind !== 'selector' || isEmptySelector(parsed)) return [];
    const { owners, candidates } = ownersSelectedBy(context, resource, s.podSelector, 'everything');
    if (candidates === 0 || owners.length > 0) return [];
    const operator = operatorMayCreate(context, resource, parsed.selector.requirements);
    if (operator)
      return [{ path: '/spec/podSelector', severity: 'low', message: `NetworkPolicy "${resource.name}" selects ${formatSelector(parsed)}: no workload in the input matches; it may be created by an operator: ${operator}` }];
    return [{ path: '/spec/podSelector', message: `NetworkPolicy "${resource.name}" selects ${formatSelector(parsed)}, but no workload in ${nsPhrase(resource)} has pods with these labels` }];
  },
  examples: {
    valid: [
      stream(
        deploymentFromParts(),
        `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-ingress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]`,
      ),
      stream(
        deploymentFromParts(),
        `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]`,
      ),
      stream(
        deploymentFromParts(),
        PROMETHEUS_CR,
        `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: prometheus, namespace: shop}
spec:
  podSelector: {matchLabels: {app.kubernetes.io/name: prometheus}}
  policyTypes: [Ingress]`,
      ),
    ],
    invalid: [
      {
        manifest: stream(
        deploymentFromParts(),
        `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-ingress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: website}}
  policyTypes: [Ingress]`,
      ),
        expect: ['/spec/podSelector'],
      },
      {
        manifest: stream(
        deploymentFromParts(),
        KAFKA_CR,
        `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: kafka, namespace: shop}
spec:
  podSelector: {matchLabels: {strimzi.io/cluster: events}}
  policyTypes: [Ingress]`,
      ),
        expect: ['/spec/podSelector'],
      },
    ],
  },
});
