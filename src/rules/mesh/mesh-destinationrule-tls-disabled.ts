import type { Violation } from '../../core/types.js';
import { asArray, asString, fieldAt, isObject, stringMap } from '../../core/values.js';
import { CLUSTER_DOMAIN, meshMembership, namespaceMeta, podsOf, resolveIstioHost } from '../../analysis/mesh.js';
import type { RuleContext } from '../../engine/rule.js';
import { defineRule } from '../define.js';
import { MESH, meshIndex } from './shared.js';

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

/**
 * When the input shows the Service a host names and the workloads it selects, and none of their
 * pods is in Istio, DISABLE changes nothing: auto mTLS sends plaintext to a server without a proxy
 * anyway. Otherwise (Service or workloads not in the input, or a meshed one) the rule reports.
 */
function hostServesOnlyUnmeshed(host: string, context: RuleContext): boolean {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc\.(.+)$/.exec(host);
  if (!m || m[5] !== CLUSTER_DOMAIN) return false;
  const [name, namespace] = [m[1], m[3]];
  const svc = context.resources.ofKind('Service').find((r) => r.apiVersion === 'v1' && r.name === name && (r.namespace ?? 'default') === namespace);
  const selector = stringMap(fieldAt(svc?.object, 'spec', 'selector'));
  if (!svc || Object.keys(selector).length === 0) return false;
  const index = meshIndex(context);
  const ns = namespaceMeta(index.namespaces, namespace);
  if (!ns.declared) return false;
  let selected = 0;
  for (const workload of context.resources.all) {
    if ((workload.namespace ?? 'default') !== namespace) continue;
    for (const { pod, labels } of podsOf(workload)) {
      if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) continue;
      selected++;
      const mesh = meshMembership(pod, ns).mesh;
      if (mesh === 'istio-sidecar' || mesh === 'istio-ambient') return false;
    }
  }
  return selected > 0;
}

const UNMESHED_SHOP = `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {}}`;

const REVIEWS_SERVICE = `apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: shop}
spec:
  selector: {app: reviews}
  ports: [{port: 9080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews, namespace: shop}
spec:
  selector:
    matchLabels: {app: reviews}
  template:
    metadata:
      labels: {app: reviews}
    spec:
      containers:
        - name: reviews
          image: registry.example.com/reviews:1.0
          ports: [{containerPort: 9080}]`;

export const meshDestinationRuleTlsDisabled = defineRule({
  id: 'mesh-destinationrule-tls-disabled',
  title: 'DestinationRule turns mTLS off for clients of an in-cluster host',
  severity: 'medium',
  ...MESH,
  tags: ['mesh', 'istio', 'mtls', 'encryption-in-transit'],
  appliesTo: ['DestinationRule'],
  reads: ['workloads', 'Namespace', 'Service', 'PeerAuthentication', 'AuthorizationPolicy'],
  description:
    'An Istio DestinationRule with trafficPolicy.tls.mode DISABLE (at the top, in a subset, or for a port in portLevelSettings) makes ' +
    "the client sidecars send plaintext to that host, whatever mTLS the server accepts: traffic between meshed workloads leaves " +
    'the pod unencrypted and unauthenticated (and fails if the server is STRICT). A tls block without mode is DISABLE too (the API ' +
    'default). Only hosts that name a Service of the cluster are judged; for an external host DISABLE is how an application that speaks ' +
    'TLS itself is configured, and when the input shows the Service and its pods and none is in Istio, DISABLE changes nothing. ' +
    '`kshield netpol reach` shows which connections it turns to plaintext.',
  remediation: 'Use tls.mode ISTIO_MUTUAL (or remove the tls block: Istio\'s auto mTLS then picks mTLS for meshed servers).',
  references: [DESTINATION_RULE_DOC],
  check: (resource, context) => {
    if (!/^networking\.istio\.io\//.test(resource.apiVersion)) return [];
    const spec = resource.object.spec;
    const host = asString(fieldAt(spec, 'host'));
    if (host === undefined || !clusterHost(host)) return [];
    if (hostServesOnlyUnmeshed(resolveIstioHost(host, resource.namespace ?? 'default'), context)) return [];
    const out: Violation[] = [];
    const judge = (policy: unknown, at: string, where: string): void => {
      if (!isObject(policy)) return;
      /** The pointer of a tls block that disables TLS: its mode DISABLE, or the block itself when it has no mode (the default, DISABLE). */
      const disabled = (tls: unknown, base: string): string | undefined => {
        if (!isObject(tls)) return undefined;
        if (tls.mode === undefined) return base;
        return tls.mode === 'DISABLE' ? `${base}/mode` : undefined;
      };
      const what = (path: string): string => (path.endsWith('/mode') ? 'tls.mode DISABLE' : 'a tls block without mode (DISABLE, the default)');
      const top = disabled(policy.tls, `${at}/tls`);
      if (top) out.push({ path: top, message: `DestinationRule "${resource.name}" sends plaintext to ${host}${where}: ${what(top)} turns Istio's mutual TLS off for its clients` });
      asArray(policy.portLevelSettings).forEach((setting, i) => {
        const path = disabled(fieldAt(setting, 'tls'), `${at}/portLevelSettings/${i}/tls`);
        if (!path) return;
        const port = fieldAt(setting, 'port', 'number');
        out.push({ path, message: `DestinationRule "${resource.name}" sends plaintext to ${host}${where} on port ${port ?? '?'}: ${what(path)} turns Istio's mutual TLS off for its clients` });
      });
    };
    judge(fieldAt(spec, 'trafficPolicy'), '/spec/trafficPolicy', '');
    asArray(fieldAt(spec, 'subsets')).forEach((subset, i) => judge(fieldAt(subset, 'trafficPolicy'), `/spec/subsets/${i}/trafficPolicy`, ` (subset ${asString(fieldAt(subset, 'name')) ?? i})`));
    return out;
  },
  examples: {
    valid: [
      // The host's Service selects only pods outside the mesh: plaintext either way.
      `${UNMESHED_SHOP}
---
${REVIEWS_SERVICE}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews
  trafficPolicy:
    tls: {mode: DISABLE}`,
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
        // The Service's pods are in the mesh: their clients' sidecars now send them plaintext.
        manifest: `${UNMESHED_SHOP.replace('labels: {}', 'labels: {istio-injection: enabled}')}
---
${REVIEWS_SERVICE}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews.shop.svc.cluster.local
  trafficPolicy:
    tls: {sni: reviews.shop}`,
        expect: [{ path: '/spec/trafficPolicy/tls', message: 'a tls block without mode (DISABLE, the default)' }],
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
