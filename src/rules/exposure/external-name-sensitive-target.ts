import { service } from '../examples.js';
import { defineRule } from '../define.js';
import { asString } from '../../core/values.js';
import { EXPOSURE, SERVICE_DOC, spec } from './shared.js';

// ---------------------------------------------------------------------------------------------
// ExternalName targets.

const METADATA_HOSTS: Record<string, string> = {
  '169.254.169.254': 'the cloud instance metadata service',
  'fd00:ec2::254': 'the AWS instance metadata service',
  '169.254.170.2': 'the AWS ECS task metadata service',
  '100.100.100.200': 'the Alibaba Cloud metadata service',
  'metadata.google.internal': 'the Google Cloud metadata service',
  metadata: 'the Google Cloud metadata service',
  'metadata.goog': 'the Google Cloud metadata service',
  localhost: "the node's or proxy's own loopback interface",
  '0.0.0.0': "the node's or proxy's own interfaces",
  '::1': "the node's or proxy's own loopback interface",
  kubernetes: 'the Kubernetes API server',
  'kubernetes.default': 'the Kubernetes API server',
  'kubernetes.default.svc': 'the Kubernetes API server',
};

/** Why an ExternalName target is sensitive, or undefined. */
export function sensitiveExternalName(name: string): string | undefined {
  const host = name.trim().toLowerCase().replace(/\.$/, '').replace(/^\[|\]$/g, '');
  if (METADATA_HOSTS[host]) return METADATA_HOSTS[host];
  if (/^kubernetes\.default\.svc\.[a-z0-9.-]+$/.test(host)) return 'the Kubernetes API server';
  if (/^127(\.\d{1,3}){3}$/.test(host) || host.endsWith('.localhost')) return "the node's or proxy's own loopback interface";
  if (/^169\.254(\.\d{1,3}){2}$/.test(host)) return 'a link-local address (where metadata services live)';
  return undefined;
}

export const externalNameSensitiveTarget = defineRule({
  id: 'external-name-sensitive-target',
  title: 'ExternalName Service aliases an internal endpoint',
  severity: 'high',
  ...EXPOSURE,
  tags: ['security', 'exposure', 'services', 'ssrf'],
  appliesTo: ['Service'],
  description:
    'An ExternalName Service is a DNS alias, and Ingress controllers use its externalName directly as an upstream. Pointing ' +
    'it at the cloud metadata service (169.254.169.254, metadata.google.internal, ...), a loopback or link-local address, or ' +
    'the Kubernetes API server lets anyone who can route to the Service (or create an Ingress for it) reach credentials ' +
    'and control endpoints that pods are otherwise kept away from: a classic server-side request forgery path.',
  remediation: 'Point ExternalName Services only at the external services they stand for; block metadata access with NetworkPolicies.',
  references: [SERVICE_DOC + '#externalname', 'https://kubernetes.io/docs/concepts/security/security-checklist/#network-security'],
  check: (resource) => {
    const s = spec(resource);
    if (!s || s.type !== 'ExternalName') return [];
    const target = asString(s.externalName);
    if (target === undefined) return [];
    const why = sensitiveExternalName(target);
    return why ? [{ path: '/spec/externalName', message: `Service "${resource.name}" is an alias of ${target}, ${why}` }] : [];
  },
  examples: {
    valid: [service('payments-provider', '  type: ExternalName\n  externalName: api.payments.example.net')],
    invalid: [
      { manifest: service('metadata', '  type: ExternalName\n  externalName: metadata.google.internal'), expect: ['/spec/externalName'] },
      { manifest: service('internal', '  type: ExternalName\n  externalName: 169.254.169.254'), expect: ['/spec/externalName'] },
    ],
  },
});
