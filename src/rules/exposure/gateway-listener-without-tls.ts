import type { Violation } from '../../core/types.js';
import { defineRule } from '../define.js';
import { asArray, isObject, asNumber, asString } from '../../core/values.js';
import { EXPOSURE, spec } from './shared.js';

const GATEWAY_DOC = 'https://gateway-api.sigs.k8s.io/guides/tls/';

export const gatewayListenerWithoutTls = defineRule({
  id: 'gateway-listener-without-tls',
  title: 'Gateway serves plain HTTP only',
  severity: 'medium',
  ...EXPOSURE,
  tags: ['security', 'exposure', 'gateway-api', 'tls'],
  appliesTo: ['Gateway'],
  description:
    'A Gateway API Gateway whose listeners all speak plain HTTP serves its routes without encryption. An HTTP listener next ' +
    'to an HTTPS or TLS listener is left alone: that is the usual way to redirect to HTTPS.',
  remediation: 'Add an HTTPS listener with tls.certificateRefs (and redirect the HTTP listener to it with an HTTPRoute RequestRedirect filter).',
  references: [GATEWAY_DOC, 'https://gateway-api.sigs.k8s.io/reference/spec/#listener'],
  check: (resource) => {
    if (!resource.apiVersion.startsWith('gateway.networking.k8s.io/')) return [];
    const listeners = asArray(spec(resource)?.listeners).filter(isObject);
    if (listeners.some((l) => l.protocol === 'HTTPS' || l.protocol === 'TLS')) return [];
    const out: Violation[] = [];
    asArray(spec(resource)?.listeners).forEach((l, i) => {
      if (!isObject(l) || l.protocol !== 'HTTP') return;
      const name = asString(l.name) ?? `#${i + 1}`;
      out.push({ path: `/spec/listeners/${i}/protocol`, message: `Gateway "${resource.name}" listener "${name}" serves plain HTTP${asNumber(l.port) !== undefined ? ` on port ${l.port}` : ''}, and the Gateway has no HTTPS or TLS listener` });
    });
    return out;
  },
  examples: {
    valid: [
      `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: shop, namespace: shop}
spec:
  gatewayClassName: example
  listeners:
  - {name: http, protocol: HTTP, port: 80}
  - name: https
    protocol: HTTPS
    port: 443
    hostname: shop.example.com
    tls:
      mode: Terminate
      certificateRefs: [{kind: Secret, name: shop-example-com-tls}]`,
    ],
    invalid: [
      {
        manifest: `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: shop, namespace: shop}
spec:
  gatewayClassName: example
  listeners:
  - {name: http, protocol: HTTP, port: 80, hostname: shop.example.com}`,
        expect: ['/spec/listeners/0/protocol'],
      },
    ],
  },
});
