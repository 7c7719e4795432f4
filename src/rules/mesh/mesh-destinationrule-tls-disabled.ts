import type { Violation } from '../../core/types.js';
import { asArray, asString, fieldAt, isObject } from '../../core/values.js';
import { defineRule } from '../define.js';
import { MESH } from './shared.js';

const DESTINATION_RULE_DOC = 'https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings';

/**
 * Hosts that name a Service of the cluster: a short name (resolved in the DestinationRule's
 * namespace), `name.namespace`, or a name under `.svc` / `.svc.cluster.local`. For other hosts (a
 * ServiceEntry's external name) DISABLE is how an application that opens TLS itself is configured.
 */
function clusterHost(host: string): boolean {
  if (/\.svc(\.cluster\.local)?$/.test(host)) return true;
  return /^[a-z0-9*]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)?$/.test(host);
}

export const meshDestinationRuleTlsDisabled = defineRule({
  id: 'mesh-destinationrule-tls-disabled',
  title: 'DestinationRule turns mTLS off for clients of an in-cluster host',
  severity: 'medium',
  ...MESH,
  tags: ['mesh', 'istio', 'mtls', 'encryption-in-transit'],
  appliesTo: ['DestinationRule'],
  description:
    'An Istio DestinationRule with trafficPolicy.tls.mode DISABLE (at the top, in a subset, or for a port in portLevelSettings) makes ' +
    "the client sidecars send plaintext to that host, whatever mTLS the server accepts: traffic between meshed workloads leaves " +
    'the pod unencrypted and unauthenticated (and fails if the server is STRICT). Only hosts that name a Service of the cluster are ' +
    'judged; for an external host DISABLE is how an application that speaks TLS itself is configured.',
  remediation: 'Use tls.mode ISTIO_MUTUAL (or remove the tls block: Istio\'s auto mTLS then picks mTLS for meshed servers).',
  references: [DESTINATION_RULE_DOC],
  check: (resource) => {
    if (!/^networking\.istio\.io\//.test(resource.apiVersion)) return [];
    const spec = resource.object.spec;
    const host = asString(fieldAt(spec, 'host'));
    if (host === undefined || !clusterHost(host)) return [];
    const out: Violation[] = [];
    const judge = (policy: unknown, at: string, where: string): void => {
      if (!isObject(policy)) return;
      if (fieldAt(policy, 'tls', 'mode') === 'DISABLE') out.push({ path: `${at}/tls/mode`, message: `DestinationRule "${resource.name}" sends plaintext to ${host}${where}: tls.mode DISABLE turns Istio's mutual TLS off for its clients` });
      asArray(policy.portLevelSettings).forEach((setting, i) => {
        if (fieldAt(setting, 'tls', 'mode') !== 'DISABLE') return;
        const port = fieldAt(setting, 'port', 'number');
        out.push({ path: `${at}/portLevelSettings/${i}/tls/mode`, message: `DestinationRule "${resource.name}" sends plaintext to ${host}${where} on port ${port ?? '?'}: tls.mode DISABLE turns Istio's mutual TLS off for its clients` });
      });
    };
    judge(fieldAt(spec, 'trafficPolicy'), '/spec/trafficPolicy', '');
    asArray(fieldAt(spec, 'subsets')).forEach((subset, i) => judge(fieldAt(subset, 'trafficPolicy'), `/spec/subsets/${i}/trafficPolicy`, ` (subset ${asString(fieldAt(subset, 'name')) ?? i})`));
    return out;
  },
  examples: {
    valid: [
      `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews.shop.svc.cluster.local
  trafficPolicy:
    tls: {mode: ISTIO_MUTUAL}`,
      `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: payments-api, namespace: shop}
spec:
  host: api.payments.example.com
  trafficPolicy:
    tls: {mode: DISABLE}`,
    ],
    invalid: [
      {
        manifest: `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews
  trafficPolicy:
    tls: {mode: DISABLE}`,
        expect: ['/spec/trafficPolicy/tls/mode'],
      },
      {
        manifest: `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews.shop.svc.cluster.local
  subsets:
    - name: v2
      labels: {version: v2}
      trafficPolicy:
        portLevelSettings:
          - port: {number: 9080}
            tls: {mode: DISABLE}`,
        expect: [{ path: '/spec/subsets/0/trafficPolicy/portLevelSettings/0/tls/mode', message: '(subset v2) on port 9080' }],
      },
    ],
  },
});
