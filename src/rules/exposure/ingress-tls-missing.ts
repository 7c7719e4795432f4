import { ingress, route } from '../examples.js';
import type { JsonObject } from '../../core/types.js';
import { defineRule } from '../define.js';
import { asArray, isObject } from '../../core/values.js';
import { EXPOSURE, INGRESS_DOC, annotations, ruleHosts, spec } from './shared.js';

/** Controller annotations that attach a certificate without a tls section. */
const TLS_ANNOTATIONS = [
  'alb.ingress.kubernetes.io/certificate-arn',
  'networking.gke.io/managed-certificates',
  'ingress.gcp.kubernetes.io/pre-shared-cert',
  'traefik.ingress.kubernetes.io/router.tls',
  'appgw.ingress.kubernetes.io/appgw-ssl-certificate',
];

function servesAnything(s: JsonObject): boolean {
  return asArray(s.rules).length > 0 || isObject(s.defaultBackend) || isObject(s.backend);
}

export const ingressTlsMissing = defineRule({
  id: 'ingress-tls-missing',
  title: 'Ingress serves plain HTTP',
  severity: 'medium',
  ...EXPOSURE,
  tags: ['security', 'exposure', 'ingress', 'tls'],
  appliesTo: ['Ingress'],
  description:
    'An Ingress without a tls section serves its hosts over plain HTTP: credentials, session cookies and personal data ' +
    'cross the network in clear text and can be altered on the way. Ingresses whose certificate is attached by a ' +
    'controller annotation (AWS ALB certificate-arn, GKE managed or pre-shared certificates, Traefik router.tls, Azure ' +
    'Application Gateway) count as having TLS.',
  remediation: 'Add spec.tls with the hosts and a certificate Secret (for example issued by cert-manager), and redirect HTTP to HTTPS.',
  references: [INGRESS_DOC + '#tls'],
  check: (resource) => {
    const s = spec(resource);
    if (!s || !servesAnything(s)) return [];
    if (asArray(s.tls).some(isObject)) return [];
    const a = annotations(resource);
    if (TLS_ANNOTATIONS.some((k) => a[k] !== undefined && a[k].trim() !== '' && a[k].trim().toLowerCase() !== 'false')) return [];
    const hosts = ruleHosts(s).map((h) => h.host);
    const what = hosts.length ? hosts.join(', ') : 'every host';
    return [{ path: s.tls !== undefined ? '/spec/tls' : '/spec', message: `Ingress "${resource.name}" serves ${what} over plain HTTP: it has no TLS configuration` }];
  },
  examples: {
    valid: [ingress(`  tls:\n  - hosts: [shop.example.com]\n    secretName: shop-example-com-tls\n  rules:\n${route('shop.example.com')}`)],
    invalid: [
      { manifest: ingress(`  rules:\n${route('shop.example.com')}`), expect: ['/spec'] },
      { manifest: ingress(`  tls: []\n  rules:\n${route('shop.example.com')}`), expect: ['/spec/tls'] },
    ],
  },
});
