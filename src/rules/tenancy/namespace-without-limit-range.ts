import { defineRule } from '../define.js';
import { labelsOf } from '../../k8s/labels.js';
import { MULTI_TENANCY_DOC, isTenant, tenantNamespace } from './shared.js';

const LIMITS = `apiVersion: v1
kind: LimitRange
metadata:
  name: defaults
  namespace: team-a
spec:
  limits:
    - type: Container
      default: {cpu: 500m, memory: 512Mi}
      defaultRequest: {cpu: 100m, memory: 128Mi}`;

export const namespaceWithoutLimitRange = defineRule({
  id: 'namespace-without-limit-range',
  title: 'Tenant namespace without a LimitRange',
  severity: 'low',
  category: 'tenancy',
  tags: ['tenancy', 'resources', 'cross-resource'],
  // Off in scan and cluster unless selected: most Namespace manifests are an application's own, not a tenant's.
  optIn: true,
  appliesTo: ['Namespace'],
  reads: ['LimitRange', 'Namespace'],
  description:
    'No LimitRange gives the containers of the tenant namespace default requests and limits, so a pod that sets none runs without a ' +
    'memory limit next to other tenants (and, where a ResourceQuota on requests or limits exists, is refused instead). Judged on ' +
    'Namespace objects of tenant namespaces when the scan holds no LimitRange in them. Opt-in in `scan` and `cluster` (most Namespace ' +
    'manifests are an application\'s own, not a tenant\'s): `kshield tenants` runs it, elsewhere `enable: [tenancy]` in the configuration or `--only`.',
  remediation: 'Add a LimitRange of type Container with default and defaultRequest values (and max where a ceiling per container is wanted).',
  references: ['https://kubernetes.io/docs/concepts/policy/limit-range/', MULTI_TENANCY_DOC],
  check(resource, context) {
    if (resource.apiVersion !== 'v1' || !isTenant(context, resource.name, labelsOf(resource.object.metadata))) return [];
    if (context.resources.inNamespace(resource.name).some((r) => r.kind === 'LimitRange' && r.apiVersion === 'v1')) return [];
    return [{ path: '/metadata/name', message: `tenant namespace "${resource.name}" has no LimitRange: containers that set no requests or limits get none` }];
  },
  examples: {
    valid: [[tenantNamespace('team-a'), LIMITS].join('\n---\n'), tenantNamespace('kube-public')],
    invalid: [{ manifest: tenantNamespace('team-a'), expect: ['/metadata/name'] }],
  },
  
});
