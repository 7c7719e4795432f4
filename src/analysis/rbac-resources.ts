/**
 * What kubectl learns from API discovery, for the built-in resources: the API group of a resource
 * name and whether it is namespaced. `who-can` needs both: the group to match `apiGroups`, the scope
 * because a RoleBinding never grants access to cluster-scoped resources. Custom resources are looked
 * up in the scanned CustomResourceDefinitions.
 */
import type { ResourceSet } from '../k8s/resource-set.js';
import { fieldAt, asString } from '../core/values.js';

export interface ResourceInfo {
  group: string;
  namespaced: boolean;
}

const NAMESPACED: Record<string, string[]> = {
  '': ['pods', 'services', 'endpoints', 'configmaps', 'secrets', 'serviceaccounts', 'persistentvolumeclaims', 'replicationcontrollers', 'events', 'limitranges', 'resourcequotas', 'podtemplates', 'bindings'],
  apps: ['deployments', 'statefulsets', 'daemonsets', 'replicasets', 'controllerrevisions'],
  batch: ['jobs', 'cronjobs'],
  autoscaling: ['horizontalpodautoscalers'],
  policy: ['poddisruptionbudgets'],
  'networking.k8s.io': ['networkpolicies', 'ingresses'],
  'discovery.k8s.io': ['endpointslices'],
  'coordination.k8s.io': ['leases'],
  'rbac.authorization.k8s.io': ['roles', 'rolebindings'],
  'authorization.k8s.io': ['localsubjectaccessreviews'],
  'events.k8s.io': [],
  'storage.k8s.io': ['csistoragecapacities'],
};

const CLUSTER: Record<string, string[]> = {
  '': ['nodes', 'namespaces', 'persistentvolumes', 'componentstatuses', 'users', 'groups'],
  'rbac.authorization.k8s.io': ['clusterroles', 'clusterrolebindings'],
  'storage.k8s.io': ['storageclasses', 'csidrivers', 'csinodes', 'volumeattachments', 'volumeattributesclasses'],
  'admissionregistration.k8s.io': ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations', 'validatingadmissionpolicies', 'validatingadmissionpolicybindings', 'mutatingadmissionpolicies', 'mutatingadmissionpolicybindings'],
  'apiextensions.k8s.io': ['customresourcedefinitions'],
  'apiregistration.k8s.io': ['apiservices'],
  'certificates.k8s.io': ['certificatesigningrequests', 'signers', 'clustertrustbundles'],
  'authentication.k8s.io': ['tokenreviews', 'selfsubjectreviews', 'uids', 'userextras'],
  'authorization.k8s.io': ['subjectaccessreviews', 'selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
  'scheduling.k8s.io': ['priorityclasses'],
  'node.k8s.io': ['runtimeclasses'],
  'networking.k8s.io': ['ingressclasses', 'ipaddresses', 'servicecidrs'],
  'flowcontrol.apiserver.k8s.io': ['flowschemas', 'prioritylevelconfigurations'],
};

const BUILT_IN = new Map<string, ResourceInfo>();
for (const [group, names] of Object.entries(NAMESPACED)) for (const n of names) if (!BUILT_IN.has(n)) BUILT_IN.set(n, { group, namespaced: true });
for (const [group, names] of Object.entries(CLUSTER)) for (const n of names) if (!BUILT_IN.has(n)) BUILT_IN.set(n, { group, namespaced: false });

/** Scope of a resource in a known group: built-ins first, then scanned CRDs; undefined when unknown. */
export function resourceInfo(resource: string, group: string | undefined, set?: ResourceSet): ResourceInfo | undefined {
  const builtIn = BUILT_IN.get(resource);
  if (builtIn && (group === undefined || builtIn.group === group)) return builtIn;
  for (const [g, names] of Object.entries(NAMESPACED)) if (names.includes(resource) && g === group) return { group: g, namespaced: true };
  for (const [g, names] of Object.entries(CLUSTER)) if (names.includes(resource) && g === group) return { group: g, namespaced: false };
  if (set) {
    for (const crd of set.ofKind('CustomResourceDefinition')) {
      const plural = asString(fieldAt(crd.object, 'spec', 'names', 'plural'));
      const crdGroup = asString(fieldAt(crd.object, 'spec', 'group'));
      if (plural === resource && crdGroup !== undefined && (group === undefined || crdGroup === group)) {
        return { group: crdGroup, namespaced: fieldAt(crd.object, 'spec', 'scope') !== 'Cluster' };
      }
    }
  }
  return undefined;
}

/** Kinds of the workload controllers that create pods from a template, as RBAC resource names. */
export const POD_CONTROLLERS: readonly { group: string; resource: string }[] = [
  { group: 'apps', resource: 'deployments' },
  { group: 'apps', resource: 'statefulsets' },
  { group: 'apps', resource: 'daemonsets' },
  { group: 'apps', resource: 'replicasets' },
  { group: 'batch', resource: 'jobs' },
  { group: 'batch', resource: 'cronjobs' },
  { group: '', resource: 'replicationcontrollers' },
];
