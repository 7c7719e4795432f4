import { ingress, route } from '../examples.js';
import { defineRule } from '../define.js';
import { asArray, isObject } from '../../core/values.js';
import { EXPOSURE, INGRESS_DOC, ruleHosts, spec } from './shared.js';

// ---------------------------------------------------------------------------------------------
// Ingress TLS.

/**
 * Whether a TLS host entry covers a rule host. A wildcard `*.example.com` covers exactly one
 * label (`shop.example.com`, not `example.com` nor `a.b.example.com`), as Ingress host wildcards
 * and certificate wildcards both do; a wildcard rule host is covered only by the same wildcard.
 */
export function tlsHostCovers(tlsHost: string, ruleHost: string): boolean {
  const t = tlsHost.trim().toLowerCase().replace(/\.$/, '');
  const h = ruleHost.trim().toLowerCase().replace(/\.$/, '');
  if (t === h) return true;
  if (!t.startsWith('*.') || h.startsWith('*.')) return false;
  const suffix = t.slice(1);
  if (!h.endsWith(suffix)) return false;
  const label = h.slice(0, -suffix.length);
  return label.length > 0 && !label.includes('.');
}

export const ingressTlsHostMismatch = defineRule({
  id: 'ingress-tls-host-mismatch',
  title: 'Ingress host not covered by its TLS hosts',
  severity: 'medium',
  ...EXPOSURE,
  tags: ['security', 'exposure', 'ingress', 'tls'],
  appliesTo: ['Ingress'],
  description:
    'The Ingress has a tls section, but a host of its rules is not among the TLS hosts, so that host gets the controller\'s ' +
    'default (usually self-signed) certificate or plain HTTP only. The TLS hosts must match the rule hosts explicitly; a ' +
    'wildcard such as *.example.com covers exactly one label (shop.example.com, but neither example.com nor ' +
    'a.b.example.com), and a wildcard rule host is covered only by the same wildcard. TLS entries without hosts and rules ' +
    'without a host are controller-specific and not judged.',
  remediation: 'Add the host to spec.tls[].hosts (and to the certificate), or fix the spelling of the rule host.',
  references: [INGRESS_DOC + '#tls', INGRESS_DOC + '#hostname-wildcards'],
  check: (resource) => {
    const s = spec(resource);
    if (!s) return [];
    const entries = asArray(s.tls).filter(isObject);
    if (entries.length === 0) return [];
    if (entries.some((t) => !Array.isArray(t.hosts) || t.hosts.length === 0)) return [];
    const tlsHosts = entries.flatMap((t) => asArray(t.hosts).filter((h): h is string => typeof h === 'string'));
    return ruleHosts(s)
      .filter(({ host }) => !tlsHosts.some((t) => tlsHostCovers(t, host)))
      .map(({ host, path }) => ({ path, message: `Ingress "${resource.name}" routes host ${host}, which no TLS host covers (TLS hosts: ${tlsHosts.join(', ')})` }));
  },
  examples: {
    valid: [
      ingress(`  tls:\n  - hosts: [shop.example.com, "*.api.example.com"]\n    secretName: shop-tls\n  rules:\n${route('shop.example.com')}\n${route('v2.api.example.com', 'api')}`),
      ingress(`  tls:\n  - hosts: ["*.example.com"]\n    secretName: wildcard-tls\n  rules:\n${route('*.example.com')}`),
    ],
    invalid: [
      {
        manifest: ingress(`  tls:\n  - hosts: [shop.example.com]\n    secretName: shop-tls\n  rules:\n${route('shop.example.com')}\n${route('admin.example.com', 'admin')}`),
        expect: ['/spec/rules/1/host'],
      },
      {
        manifest: ingress(`  tls:\n  - hosts: ["*.example.com"]\n    secretName: wildcard-tls\n  rules:\n${route('example.com')}\n${route('eu.shop.example.com')}`),
        expect: ['/spec/rules/0/host', '/spec/rules/1/host'],
      },
    ],
  },
});
