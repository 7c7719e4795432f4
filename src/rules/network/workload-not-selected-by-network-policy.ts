import { podSpecs } from '../../k8s/pods.js';
import { isObject } from '../../core/values.js';
import { compareInputOrder, isCovered, namespaceOf, sameObject } from '../../analysis/netpol.js';
import { defineRule } from '../define.js';
import { API, CILIUM_DENY, DENY_ALL, NETPOL_DOC, NETWORK_READS, WEB, inputKey, namespaceStream, networkIndex } from './shared.js';

export const workloadNotSelectedByNetworkPolicy = defineRule({
  id: 'workload-not-selected-by-network-policy',
  title: 'Workload is selected by no NetworkPolicy',
  severity: 'medium',
  category: 'network',
  tags: ['network-policy', 'segmentation', 'cross-resource'],
  appliesTo: 'workloads',
  reads: NETWORK_READS,
  description:
    "No NetworkPolicy (nor Cilium or Calico policy) selects this workload's pods, so they are non-isolated in both directions although the " +
    'namespace uses policies: usually a label mismatch or a workload added after the policies were written. Pods are grouped under their ' +
    'owner; the finding is on the first object of the workload. A namespace without any policy is reported by namespace-without-network-policy instead.',
  remediation: "Add a NetworkPolicy selecting the workload's pod labels, or a default-deny policy (podSelector: {}) for the namespace.",
  references: [NETPOL_DOC],
  
  check: (resource, context) => {
    const index = networkIndex(context);
    const facts = index.namespaces.get(namespaceOf(resource));
    if (!facts || !facts.hasPolicy) return [];
    const workload = index.workloadAt.get(inputKey(resource));
    // An operator's workload has no object of its own in the input to carry the finding: not judged here.
    if (!workload || workload.operator) return [];
    const first = [...workload.resources].sort(compareInputOrder)[0];
    if (!sameObject(first, resource)) return [];
    if (workload.endpoints.every((e) => isCovered(index.model, e))) return [];
    const pod = podSpecs(resource)[0];
    const path = pod?.metadata && isObject(pod.metadata.labels) ? `${pod.metadataPath}/labels` : (pod?.metadataPath ?? '/metadata');
    return [{ path, message: `${workload.kind} "${workload.name}" has pods no NetworkPolicy selects in namespace "${workload.namespace}": they accept and open connections without restriction` }];
  },
  examples: {
    valid: [namespaceStream(WEB, DENY_ALL), namespaceStream(WEB, API, CILIUM_DENY), namespaceStream(WEB, API)],
    invalid: [
      {
        manifest: namespaceStream(
        WEB,
        API,
        `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: shop
spec:
  podSelector:
    matchLabels: {app: web}
  ingress:
    - ports: [{port: http}]`,
      ),
        expect: ['/spec/template/metadata/labels'],
      },
    ],
  },
});
