import { defineRule } from '../define.js';
import { labelsOf } from '../../k8s/labels.js';
import { MULTI_TENANCY_DOC, isTenant, tenantNamespace } from './shared.js';

const QUOTA = `apiVersion: v1
kind: ResourceQuota
metadata:
  name: compute
  namespace: team-a
spec:
  hard:
    requests.cpu: "8"
    requests.memory: 16Gi
    limits.memory: 32Gi
    pods: "50"`;

export const namespaceWithoutResourceQuota = defineRule({
  id: 'namespace-without-resource-quota',
  title: 'Tenant namespace without a ResourceQuota',
  severity: 'low',
  category: 'tenancy',
  tags: ['tenancy', 'resources', 'cross-resource'],
  // Off in scan and cluster unless selected: most Namespace manifests are an application's own, not a tenant's.
  optIn: true,
  appliesTo: ['Namespace'],
  reads: ['ResourceQuota', 'Namespace'],
  description:
    'No ResourceQuota caps what the tenant namespace may consume (CPU, memory, storage, object counts), so one tenant can take the ' +
    'capacity every other tenant schedules on, by mistake or on purpose. Judged on Namespace objects of tenant namespaces (see ' +
    '`kshield tenants` for which those are) when the scan holds no ResourceQuota in them: a scan of manifests that keeps quotas ' +
    'elsewhere reports it too, and the quota repository is where to look. Opt-in in `scan` and `cluster` (most Namespace manifests ' +
    'are an application\'s own, not a tenant\'s): `kshield tenants` runs it, elsewhere `enable: [tenancy]` in the configuration or `--only`.',
  remediation: 'Add a ResourceQuota to the namespace with hard limits on requests.cpu, requests.memory, limits.memory, pods and persistentvolumeclaims sized for the tenant.',
  references: ['https://kubernetes.io/docs/concepts/policy/resource-quotas/', MULTI_TENANCY_DOC],
  check(resource, context) {
    if (resource.apiVersion !== 'v1' || !isTenant(context, resource.name, labelsOf(resource.object.metadata))) return [];
    if (context.resources.inNamespace(resource.name).some((r) => r.kind === 'ResourceQuota' && r.apiVersion === 'v1')) return [];
    return [{ path: '/metadata/name', message: `tenant namespace "${resource.name}" has no ResourceQuota: nothing caps the CPU, memory, storage and objects it may take from the others` }];
  },
  examples: {
    valid: [[tenantNamespace('team-a'), QUOTA].join('\n---\n'), tenantNamespace('kube-system')],
    invalid: [
      { manifest: tenantNamespace('team-a'), expect: ['/metadata/name'] },
      { manifest: [tenantNamespace('team-b'), QUOTA].join('\n---\n'), expect: ['/metadata/name'] },
    ],
  },
});
