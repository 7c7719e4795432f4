import { ingress, route } from '../examples.js';
import type { Violation } from '../../core/types.js';
import { defineRule } from '../define.js';
import { asArray, isObject, asString } from '../../core/values.js';
import { EXPOSURE, INGRESS_DOC, spec } from './shared.js';

export const ingressCatchAll = defineRule({
  id: 'ingress-catch-all',
  title: 'Ingress answers for every host name',
  severity: 'low',
  ...EXPOSURE,
  tags: ['security', 'exposure', 'ingress'],
  appliesTo: ['Ingress'],
  description:
    'A default backend (spec.defaultBackend) receives every request that matches no rule, and a rule without a host matches ' +
    'every Host header. The workload then answers requests for any name pointed at the load balancer, including bare-IP ' +
    'internet scans, which defeats host-based routing, TLS host checks and per-host access controls.',
  remediation: 'Give every rule a host and remove the default backend (or point it at a minimal 404 service).',
  references: [INGRESS_DOC + '#default-backend', INGRESS_DOC + '#name-based-virtual-hosting'],
  check: (resource) => {
    const s = spec(resource);
    if (!s) return [];
    const out: Violation[] = [];
    for (const key of ['defaultBackend', 'backend']) {
      if (isObject(s[key])) out.push({ path: `/spec/${key}`, message: `Ingress "${resource.name}" has a default backend, which answers requests for any host and path` });
    }
    asArray(s.rules).forEach((r, i) => {
      if (!isObject(r)) return;
      const host = asString(r.host);
      if (host === undefined || host.trim() === '') out.push({ path: `/spec/rules/${i}`, message: `Ingress "${resource.name}" rule #${i + 1} has no host, so it matches requests for any host name` });
    });
    return out;
  },
  examples: {
    valid: [ingress(`  rules:\n${route('shop.example.com')}`)],
    invalid: [
      {
        manifest: ingress(`  defaultBackend:\n    service: {name: storefront, port: {name: http}}\n  rules:\n${route('shop.example.com')}`),
        expect: ['/spec/defaultBackend'],
      },
      { manifest: ingress(`  rules:\n${route(undefined)}`), expect: ['/spec/rules/0'] },
    ],
  },
});
