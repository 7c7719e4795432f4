import { asString, fieldAt } from '../../core/values.js';
import { namespaceOf } from '../../analysis/netpol.js';
import { serviceDnsNamespace } from '../../analysis/tenants.js';
import { service } from '../examples.js';
import { defineRule } from '../define.js';
import { MULTI_TENANCY_DOC, isTenant } from './shared.js';

export const externalNameCrossTenant = defineRule({
  id: 'external-name-cross-tenant',
  title: "ExternalName Service aliases another tenant's Service",
  severity: 'medium',
  category: 'tenancy',
  tags: ['tenancy', 'exposure', 'services'],
  appliesTo: ['Service'],
  reads: ['Namespace'],
  description:
    'An ExternalName Service whose externalName is a Service name of another tenant namespace (`name.namespace.svc`, with or without ' +
    'the cluster domain) makes that tenant\'s Service reachable under a name of this one. Ingress controllers proxy to ExternalName ' +
    'targets themselves, from their own namespace, so an Ingress of this tenant can route the public to the other tenant\'s backend ' +
    'past the NetworkPolicies that tenant wrote for its own clients.',
  remediation: 'Remove the alias; where the two tenants must talk, let the client call the Service by its own name under a NetworkPolicy the owning tenant writes.',
  references: ['https://kubernetes.io/docs/concepts/services-networking/service/#externalname', MULTI_TENANCY_DOC],
  check(resource, context) {
    if (resource.apiVersion !== 'v1' || fieldAt(resource.object, 'spec', 'type') !== 'ExternalName') return [];
    const target = asString(fieldAt(resource.object, 'spec', 'externalName'));
    const into = target === undefined ? undefined : serviceDnsNamespace(target);
    const home = namespaceOf(resource);
    if (!into || into.namespace === home || !isTenant(context, home) || !isTenant(context, into.namespace)) return [];
    return [{ path: '/spec/externalName', message: `Service "${resource.name}" of tenant namespace "${home}" is an alias of Service "${into.service}" of tenant namespace "${into.namespace}" (${target})` }];
  },
  examples: {
    valid: [
      service('payments', '  type: ExternalName\n  externalName: api.payments.example.net'),
      service('ingress', '  type: ExternalName\n  externalName: ingress-nginx-controller.ingress-nginx.svc.cluster.local'),
    ],
    invalid: [
      { manifest: service('billing', '  type: ExternalName\n  externalName: billing.team-b.svc.cluster.local'), expect: ['/spec/externalName'] },
      { manifest: service('billing', '  type: ExternalName\n  externalName: billing.team-b.svc.'), expect: ['/spec/externalName'] },
    ],
  },
});
