/**
 * Exposure: what the manifests open to the outside and how. Service types that publish ports on
 * nodes or cloud load balancers, external IPs, Ingresses without (or with incomplete) TLS,
 * catch-all Ingresses, ExternalName aliases of internal endpoints, Gateway listeners without
 * TLS, and Service ports that reach no container port.
 *
 * Already covered elsewhere, not repeated here: hostPort (`host-port`) and hostNetwork
 * (`host-network`) in pod-security.ts, Services selecting no pods (`dangling-service`) and
 * Ingresses routing to missing Services (`dangling-ingress`) in reliability.ts, malformed port
 * names and numbers (`invalid-port`), port 22 declared by a container (`ssh-port-exposed`).
 *
 * Cross-object rules find the pods of a Service through reliability.ts's per-run label index.
 */
import type { Rule, RuleContext } from '../engine/rule.js';
import type { JsonObject, Resource, Violation } from '../core/types.js';
import { defineRule } from './define.js';
import { asArray, fieldAt, isObject, asNumber, asObject, asString, stringMap } from '../core/values.js';
import { containers, type ContainerView } from '../k8s/pods.js';
import { escapePointerToken } from '../core/pointer.js';
import { podOwnersMatchingMap } from './reliability.js';
import { isValidPortName } from '../k8s/api-validation.js';

const SERVICE_DOC = 'https://kubernetes.io/docs/concepts/services-networking/service/';
const SERVICE_TYPES_DOC = SERVICE_DOC + '#publishing-services-service-types';
const INGRESS_DOC = 'https://kubernetes.io/docs/concepts/services-networking/ingress/';
const FIREWALL_DOC = 'https://kubernetes.io/docs/tasks/access-application-cluster/configure-cloud-provider-firewall/';
const SOURCE_IP_DOC = 'https://kubernetes.io/docs/tutorials/services/source-ip/';
const EXTERNAL_IPS_CVE = 'https://github.com/kubernetes/kubernetes/issues/97076';
const GATEWAY_DOC = 'https://gateway-api.sigs.k8s.io/guides/tls/';
const SECURITY_CHECKLIST = 'https://kubernetes.io/docs/concepts/security/security-checklist/';

const LOAD_BALANCER_SOURCE_RANGES_ANNOTATION = 'service.beta.kubernetes.io/load-balancer-source-ranges';

// ---------------------------------------------------------------------------------------------
// Readers.

function spec(resource: Resource): JsonObject | undefined {
  return asObject(resource.object.spec);
}

function annotations(resource: Resource): Record<string, string> {
  return stringMap(fieldAt(resource.object, 'metadata', 'annotations'));
}

function serviceType(resource: Resource): string {
  return asString(spec(resource)?.type) ?? 'ClusterIP';
}

function typePath(resource: Resource): string {
  return spec(resource)?.type !== undefined ? '/spec/type' : '/spec';
}

/**
 * Cloud annotations that make a LoadBalancer internal (reachable only from the VPC/VNet). The value
 * must say so: "false" keeps the load balancer public.
 */
const INTERNAL_LB_ANNOTATIONS: Record<string, RegExp> = {
  'service.beta.kubernetes.io/aws-load-balancer-internal': /^(?!false$).+/i,
  'service.beta.kubernetes.io/aws-load-balancer-scheme': /^internal$/i,
  'networking.gke.io/load-balancer-type': /^internal$/i,
  'cloud.google.com/load-balancer-type': /^internal$/i,
  'service.beta.kubernetes.io/azure-load-balancer-internal': /^true$/i,
  'service.beta.kubernetes.io/oci-load-balancer-internal': /^true$/i,
  'service.beta.kubernetes.io/openstack-internal-load-balancer': /^true$/i,
  'service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type': /^private$/i,
  'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type': /^intranet$/i,
};

function isInternalLoadBalancer(resource: Resource): boolean {
  const a = annotations(resource);
  return Object.entries(INTERNAL_LB_ANNOTATIONS).some(([k, re]) => a[k] !== undefined && re.test(a[k].trim()));
}

function isAllowAll(cidr: string): boolean {
  return /\/0$/.test(cidr.trim());
}

interface SourceRanges {
  /** Where the effective ranges come from. */
  from: 'field' | 'annotation' | 'none';
  ranges: { cidr: string; path: string }[];
}

/**
 * The source ranges a cloud provider applies, as the shared cloud-provider helper reads them:
 * spec.loadBalancerSourceRanges when it is not empty, else the legacy annotation (comma-separated
 * CIDRs), else none (everything allowed).
 */
export function loadBalancerSourceRanges(resource: Resource): SourceRanges {
  const field = asArray(spec(resource)?.loadBalancerSourceRanges);
  const ranges = field.flatMap((c, i) => (typeof c === 'string' && c.trim() !== '' ? [{ cidr: c.trim(), path: `/spec/loadBalancerSourceRanges/${i}` }] : []));
  if (ranges.length > 0) return { from: 'field', ranges };
  const annotation = annotations(resource)[LOAD_BALANCER_SOURCE_RANGES_ANNOTATION];
  if (annotation !== undefined) {
    const path = `/metadata/annotations/${escapePointerToken(LOAD_BALANCER_SOURCE_RANGES_ANNOTATION)}`;
    const list = annotation.split(',').map((c) => c.trim()).filter(Boolean);
    if (list.length > 0) return { from: 'annotation', ranges: list.map((cidr) => ({ cidr, path })) };
  }
  return { from: 'none', ranges: [] };
}

/** Whether a LoadBalancer Service accepts connections from any address on the internet. */
function isOpenLoadBalancer(resource: Resource): boolean {
  if (serviceType(resource) !== 'LoadBalancer' || isInternalLoadBalancer(resource)) return false;
  const { ranges } = loadBalancerSourceRanges(resource);
  return ranges.length === 0 || ranges.some((r) => isAllowAll(r.cidr));
}

function externalIPs(resource: Resource): string[] {
  return asArray(spec(resource)?.externalIPs).filter((ip): ip is string => typeof ip === 'string' && ip.trim() !== '');
}

function servicePorts(resource: Resource): { port: JsonObject; index: number }[] {
  return asArray(spec(resource)?.ports).flatMap((p, index) => (isObject(p) ? [{ port: p, index }] : []));
}

/** A port's protocol after defaulting (unset or "" is TCP). */
function protocolOf(value: unknown): string {
  return typeof value === 'string' && value !== '' ? value : 'TCP';
}

// ---------------------------------------------------------------------------------------------
// Example manifests.

const workload = (name: string, ports: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: shop}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: ${name}
        image: registry.example.com/shop/${name}:1.4.2
        ports: ${ports}`;

const service = (name: string, specBody: string, metadataExtra = '') => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: shop${metadataExtra ? '\n' + metadataExtra : ''}
spec:
${specBody}`;

const ingress = (body: string, metadataExtra = '') => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: shop${metadataExtra ? '\n' + metadataExtra : ''}
spec:
  ingressClassName: nginx
${body}`;

const route = (host: string | undefined, service = 'storefront') => `  - ${host !== undefined ? `host: "${host}"\n    ` : ''}http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: ${service}, port: {name: http}}`;

const stream = (...docs: string[]) => docs.join('\n---\n');

// ---------------------------------------------------------------------------------------------
// Well-known administrative and data-store ports: reachable from outside the cluster they hand
// out data or control, and they are scanned for around the clock.

const SENSITIVE_PORTS: Readonly<Record<number, string>> = {
  22: 'SSH', 23: 'Telnet', 1433: 'SQL Server', 1521: 'Oracle Database', 2181: 'ZooKeeper', 2375: 'the Docker API (plain)',
  2376: 'the Docker API', 2379: 'etcd', 2380: 'etcd peer', 3306: 'MySQL', 3389: 'RDP', 5432: 'PostgreSQL', 5672: 'AMQP',
  5900: 'VNC', 5984: 'CouchDB', 6379: 'Redis', 6443: 'the Kubernetes API', 8086: 'InfluxDB', 9042: 'Cassandra', 9092: 'Kafka',
  9200: 'Elasticsearch', 9300: 'Elasticsearch transport', 10250: 'the kubelet API', 10255: 'the kubelet read-only API',
  11211: 'Memcached', 15672: 'the RabbitMQ management UI', 27017: 'MongoDB',
};

/** How a Service is reachable from outside the cluster, or undefined if it is not. */
function outsideExposure(resource: Resource): string | undefined {
  const type = serviceType(resource);
  if (type === 'NodePort') return 'a NodePort on every node';
  if (isOpenLoadBalancer(resource)) return 'a load balancer open to any address';
  if (externalIPs(resource).length > 0) return 'external IPs';
  return undefined;
}

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

/** Controller annotations that attach a certificate without a tls section. */
const TLS_ANNOTATIONS = [
  'alb.ingress.kubernetes.io/certificate-arn',
  'networking.gke.io/managed-certificates',
  'ingress.gcp.kubernetes.io/pre-shared-cert',
  'traefik.ingress.kubernetes.io/router.tls',
  'appgw.ingress.kubernetes.io/appgw-ssl-certificate',
];

function ruleHosts(s: JsonObject): { host: string; path: string }[] {
  return asArray(s.rules).flatMap((r, i) => {
    const host = asString(fieldAt(r, 'host'));
    return host !== undefined && host.trim() !== '' ? [{ host, path: `/spec/rules/${i}/host` }] : [];
  });
}

function servesAnything(s: JsonObject): boolean {
  return asArray(s.rules).length > 0 || isObject(s.defaultBackend) || isObject(s.backend);
}

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

// ---------------------------------------------------------------------------------------------
// Service ports against container ports.

/**
 * Containers the endpoints controller searches for a named target port: the regular containers,
 * then sidecars (init containers with restartPolicy Always).
 */
function servingContainers(owner: Resource): ContainerView[] {
  return containers(owner).filter((c) => c.type === 'containers' || (c.type === 'initContainers' && c.container.restartPolicy === 'Always'));
}

function declares(c: ContainerView, match: (p: JsonObject) => boolean): boolean {
  return asArray(c.container.ports).some((p) => isObject(p) && match(p));
}

interface TargetPortCase {
  serviceName: string;
  index: number;
  path: string;
  protocol: string;
  target: string | number;
}

function targetPorts(resource: Resource): TargetPortCase[] {
  const out: TargetPortCase[] = [];
  for (const { port, index } of servicePorts(resource)) {
    const protocol = protocolOf(port.protocol);
    // Defaulting gives an unset targetPort, 0 or "" the port's own number.
    const explicit = port.targetPort !== undefined && port.targetPort !== null && port.targetPort !== 0 && port.targetPort !== '';
    const target = explicit ? port.targetPort : port.port;
    const path = explicit ? `/spec/ports/${index}/targetPort` : `/spec/ports/${index}`;
    const label = asString(port.name) !== undefined ? `port "${asString(port.name)}"` : `port #${index + 1}`;
    // Names the API server rejects ("8080" quoted, "http_port") are invalid-port's, not a name to resolve.
    if (isValidPortName(target)) out.push({ serviceName: label, index, path, protocol, target });
    else if (typeof target === 'number' && Number.isInteger(target)) out.push({ serviceName: label, index, path, protocol, target });
  }
  return out;
}

/** The workloads a Service with a plain selector sends traffic to, or undefined when it cannot be judged. */
function selectedWorkloads(resource: Resource, context: RuleContext): Resource[] | undefined {
  const s = spec(resource);
  if (!s || s.type === 'ExternalName' || !isObject(s.selector)) return undefined;
  if (Object.keys(s.selector).length === 0 || Object.values(s.selector).some((v) => typeof v !== 'string')) return undefined;
  const { owners } = podOwnersMatchingMap(context, resource, stringMap(s.selector));
  return owners.length > 0 ? owners : undefined;
}

function names(list: Resource[]): string {
  return list.map((r) => `${r.kind} "${r.name}"`).join(', ');
}

// ---------------------------------------------------------------------------------------------

const EXPOSURE = { category: 'exposure' as const };

export const exposureRules: Rule[] = [
  defineRule({
    id: 'service-type-nodeport',
    title: 'Service published on every node (NodePort)',
    severity: 'medium',
    ...EXPOSURE,
    tags: ['security', 'exposure', 'services'],
    appliesTo: ['Service'],
    description:
      'A NodePort Service opens its port (30000-32767 by default) on every node of the cluster, on every node address, ' +
      'bypassing the Ingress controller and with it TLS, authentication, rate limits and access logs. Anyone who can reach ' +
      'a node can reach the workload. LoadBalancer Services also allocate node ports but are reported by ' +
      'load-balancer-unrestricted instead.',
    remediation: 'Use type ClusterIP and publish HTTP workloads through an Ingress or Gateway with TLS; if a node port is truly needed, restrict node access with firewall rules.',
    references: [SERVICE_TYPES_DOC, SECURITY_CHECKLIST],
    check: (resource) => {
      if (serviceType(resource) !== 'NodePort') return [];
      const nodePorts = servicePorts(resource).map(({ port }) => asNumber(port.nodePort)).filter((n): n is number => n !== undefined);
      const ports = nodePorts.length ? `node port${nodePorts.length > 1 ? 's' : ''} ${nodePorts.join(', ')}` : 'an allocated node port';
      return [{ path: '/spec/type', message: `Service "${resource.name}" is of type NodePort: it is published on ${ports} of every node` }];
    },
    examples: {
      valid: [service('storefront', '  type: ClusterIP\n  selector: {app: storefront}\n  ports: [{name: http, port: 80, targetPort: http}]')],
      invalid: [service('storefront', '  type: NodePort\n  selector: {app: storefront}\n  ports: [{name: http, port: 80, targetPort: http, nodePort: 30080}]')],
    },
  }),

  defineRule({
    id: 'load-balancer-unrestricted',
    title: 'LoadBalancer open to the whole internet',
    severity: 'medium',
    ...EXPOSURE,
    tags: ['security', 'exposure', 'services'],
    appliesTo: ['Service'],
    description:
      'A LoadBalancer Service gets a public address from the cloud provider. Without spec.loadBalancerSourceRanges (or the ' +
      `legacy ${LOAD_BALANCER_SOURCE_RANGES_ANNOTATION} annotation, read only when the field is empty), or with a /0 range ` +
      'such as 0.0.0.0/0 or ::/0 in them, every address on the internet can connect. Load balancers made internal by their ' +
      "cloud's annotation (AWS, GKE, Azure, OCI, OpenStack, IBM, Alibaba) are not reported.",
    remediation:
      'List the client networks in spec.loadBalancerSourceRanges, make the load balancer internal with your cloud\'s annotation, or ' +
      'publish HTTP workloads through an Ingress or Gateway instead.',
    references: [FIREWALL_DOC, SERVICE_DOC + '#loadbalancer'],
    check: (resource) => {
      if (serviceType(resource) !== 'LoadBalancer' || isInternalLoadBalancer(resource)) return [];
      const { from, ranges } = loadBalancerSourceRanges(resource);
      if (from === 'none') return [{ path: typePath(resource), message: `Service "${resource.name}" is a public LoadBalancer with no loadBalancerSourceRanges: any address on the internet can connect` }];
      const open = ranges.find((r) => isAllowAll(r.cidr));
      if (!open) return [];
      const where = from === 'field' ? 'spec.loadBalancerSourceRanges' : `the ${LOAD_BALANCER_SOURCE_RANGES_ANNOTATION} annotation`;
      return [{ path: open.path, message: `Service "${resource.name}" is a public LoadBalancer allowing ${open.cidr} in ${where}: any address can connect` }];
    },
    examples: {
      valid: [
        service('storefront', '  type: LoadBalancer\n  loadBalancerSourceRanges: [203.0.113.0/24]\n  selector: {app: storefront}\n  ports: [{name: https, port: 443, targetPort: https}]'),
        service('storefront', '  type: LoadBalancer\n  selector: {app: storefront}\n  ports: [{name: https, port: 443}]', '  annotations:\n    service.beta.kubernetes.io/load-balancer-source-ranges: "198.51.100.0/24,203.0.113.7/32"'),
        service('storefront', '  type: LoadBalancer\n  selector: {app: storefront}\n  ports: [{name: https, port: 443}]', '  annotations:\n    networking.gke.io/load-balancer-type: Internal'),
      ],
      invalid: [
        service('storefront', '  type: LoadBalancer\n  selector: {app: storefront}\n  ports: [{name: https, port: 443}]'),
        service('storefront', '  type: LoadBalancer\n  loadBalancerSourceRanges: [10.0.0.0/8, 0.0.0.0/0]\n  selector: {app: storefront}\n  ports: [{name: https, port: 443}]'),
        service('storefront', '  type: LoadBalancer\n  selector: {app: storefront}\n  ports: [{name: https, port: 443}]', '  annotations:\n    service.beta.kubernetes.io/load-balancer-source-ranges: "::/0"'),
      ],
    },
  }),

  defineRule({
    id: 'sensitive-port-exposed',
    title: 'Database or admin port reachable from outside the cluster',
    severity: 'high',
    ...EXPOSURE,
    tags: ['security', 'exposure', 'services', 'ports'],
    appliesTo: ['Service'],
    description:
      'A Service reachable from outside the cluster (NodePort, a LoadBalancer open to any address, or external IPs) exposes a ' +
      'well-known database, cache, message broker or remote administration port (PostgreSQL 5432, MySQL 3306, Redis 6379, ' +
      'MongoDB 27017, Elasticsearch 9200, etcd 2379, the kubelet 10250, the Docker API 2375, SSH 22, RDP 3389, ...), as the ' +
      'Service port or as its numeric targetPort. These services are scanned for continuously and many have weak or no ' +
      'authentication by default.',
    remediation: 'Make the Service ClusterIP (reach it from inside the cluster, or through kubectl port-forward or a VPN for administration); if clients outside must connect, use an internal load balancer with narrow source ranges.',
    references: [SERVICE_TYPES_DOC, FIREWALL_DOC, SECURITY_CHECKLIST],
    check: (resource) => {
      const how = outsideExposure(resource);
      if (how === undefined) return [];
      const out: Violation[] = [];
      for (const { port, index } of servicePorts(resource)) {
        const exposed = asNumber(port.port);
        const target = asNumber(port.targetPort);
        const hit = exposed !== undefined && SENSITIVE_PORTS[exposed] ? { n: exposed, field: 'port' } : target !== undefined && SENSITIVE_PORTS[target] ? { n: target, field: 'targetPort' } : undefined;
        if (!hit) continue;
        out.push({ path: `/spec/ports/${index}/${hit.field}`, message: `Service "${resource.name}" exposes ${SENSITIVE_PORTS[hit.n]} (${hit.field} ${hit.n}) outside the cluster through ${how}` });
      }
      return out;
    },
    examples: {
      valid: [
        service('postgres', '  type: ClusterIP\n  selector: {app: postgres}\n  ports: [{name: pg, port: 5432, targetPort: 5432}]'),
        service('redis', '  type: LoadBalancer\n  selector: {app: redis}\n  ports: [{name: redis, port: 6379}]', '  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-scheme: internal'),
      ],
      invalid: [
        service('redis', '  type: LoadBalancer\n  selector: {app: redis}\n  ports: [{name: redis, port: 6379}]'),
        service('postgres', '  type: NodePort\n  selector: {app: postgres}\n  ports: [{name: pg, port: 80, targetPort: 5432}]'),
      ],
    },
  }),

  defineRule({
    id: 'service-external-ips',
    title: 'Service claims external IPs',
    severity: 'high',
    ...EXPOSURE,
    tags: ['security', 'exposure', 'services'],
    appliesTo: ['Service'],
    description:
      'spec.externalIPs makes kube-proxy on every node capture traffic for those addresses and send it to the Service. Any ' +
      'user allowed to create Services can claim any IP this way, including the addresses of other services, and intercept ' +
      'their traffic (CVE-2020-8554); the feature is best blocked cluster-wide with the DenyServiceExternalIPs admission plugin. ' +
      'The listed addresses also expose the Service outside the cluster without a load balancer\'s controls.',
    remediation: 'Remove spec.externalIPs; use a LoadBalancer (with loadBalancerSourceRanges) or an Ingress, and enable the DenyServiceExternalIPs admission plugin.',
    references: [SERVICE_DOC + '#external-ips', EXTERNAL_IPS_CVE],
    check: (resource) => {
      const ips = externalIPs(resource);
      if (ips.length === 0) return [];
      return [{ path: '/spec/externalIPs', message: `Service "${resource.name}" claims external IP${ips.length > 1 ? 's' : ''} ${ips.join(', ')}` }];
    },
    examples: {
      valid: [service('storefront', '  selector: {app: storefront}\n  ports: [{name: http, port: 80}]')],
      invalid: [service('storefront', '  selector: {app: storefront}\n  externalIPs: [198.51.100.10]\n  ports: [{name: http, port: 80}]')],
    },
  }),

  defineRule({
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
      invalid: [ingress(`  rules:\n${route('shop.example.com')}`), ingress(`  tls: []\n  rules:\n${route('shop.example.com')}`)],
    },
  }),

  defineRule({
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
        ingress(`  tls:\n  - hosts: [shop.example.com]\n    secretName: shop-tls\n  rules:\n${route('shop.example.com')}\n${route('admin.example.com', 'admin')}`),
        ingress(`  tls:\n  - hosts: ["*.example.com"]\n    secretName: wildcard-tls\n  rules:\n${route('example.com')}\n${route('eu.shop.example.com')}`),
      ],
    },
  }),

  defineRule({
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
        ingress(`  defaultBackend:\n    service: {name: storefront, port: {name: http}}\n  rules:\n${route('shop.example.com')}`),
        ingress(`  rules:\n${route(undefined)}`),
      ],
    },
  }),

  defineRule({
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
        service('metadata', '  type: ExternalName\n  externalName: metadata.google.internal'),
        service('internal', '  type: ExternalName\n  externalName: 169.254.169.254'),
      ],
    },
  }),

  defineRule({
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
        `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: shop, namespace: shop}
spec:
  gatewayClassName: example
  listeners:
  - {name: http, protocol: HTTP, port: 80, hostname: shop.example.com}`,
      ],
    },
  }),

  defineRule({
    id: 'service-target-port-name-missing',
    title: 'Service targets a port name its pods do not declare',
    severity: 'medium',
    ...EXPOSURE,
    tags: ['services', 'ports', 'correctness', 'cross-resource'],
    appliesTo: ['Service'],
    reads: ['workloads', 'HorizontalPodAutoscaler'],
    description:
      'A Service port whose targetPort is a name is resolved in each selected pod: the endpoints controller looks for a ' +
      'container port with that name and the same protocol (TCP by default) in the containers and in sidecar init ' +
      'containers (restartPolicy: Always). A pod without such a port gets no endpoint for that Service port, so ' +
      'connections to it fail. Only reported for Services whose selector matches workloads in the scanned set.',
    remediation: 'Name the container port as the Service\'s targetPort says (ports[].name, with the same protocol), or fix the targetPort.',
    references: [SERVICE_DOC + '#field-spec-ports', 'https://kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/#ServiceSpec'],
    check: (resource, context) => {
      const owners = selectedWorkloads(resource, context);
      if (!owners) return [];
      const out: Violation[] = [];
      for (const t of targetPorts(resource)) {
        if (typeof t.target !== 'string') continue;
        const lacking = owners.filter((o) => !servingContainers(o).some((c) => declares(c, (p) => p.name === t.target && protocolOf(p.protocol) === t.protocol)));
        if (lacking.length === 0) continue;
        out.push({ path: t.path, message: `Service "${resource.name}" ${t.serviceName} targets port name "${t.target}" (${t.protocol}), which ${names(lacking)} does not declare; those pods get no endpoint for it` });
      }
      return out;
    },
    examples: {
      valid: [stream(workload('web', '[{name: http, containerPort: 8080}]'), service('web', '  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: http}]'))],
      invalid: [
        stream(workload('web', '[{name: web, containerPort: 8080}]'), service('web', '  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: http}]')),
        stream(workload('dns', '[{name: dns, containerPort: 5353, protocol: TCP}]'), service('dns', '  selector: {app: dns}\n  ports: [{name: dns, port: 53, targetPort: dns, protocol: UDP}]')),
      ],
    },
  }),

  defineRule({
    id: 'service-target-port-undeclared',
    title: 'Service targets a port number its pods do not declare',
    severity: 'low',
    ...EXPOSURE,
    tags: ['services', 'ports', 'correctness', 'cross-resource'],
    appliesTo: ['Service'],
    reads: ['workloads', 'HorizontalPodAutoscaler'],
    description:
      'A Service port sends traffic to a numeric targetPort (the port itself when targetPort is unset), but the selected ' +
      'containers declare other ports for that protocol and not this one. Declaring a container port is informational, so ' +
      'traffic still flows if the process listens there; more often the numbers drifted apart and connections are refused. ' +
      'Workloads whose containers declare no ports of that protocol are not judged.',
    remediation: 'Make targetPort match a declared containerPort (better: name the container port and target the name).',
    references: [SERVICE_DOC + '#defining-a-service'],
    check: (resource, context) => {
      const owners = selectedWorkloads(resource, context);
      if (!owners) return [];
      const out: Violation[] = [];
      for (const t of targetPorts(resource)) {
        if (typeof t.target !== 'number') continue;
        const lacking = owners.filter((o) => {
          const serving = servingContainers(o);
          const declared = serving.some((c) => declares(c, (p) => protocolOf(p.protocol) === t.protocol));
          return declared && !serving.some((c) => declares(c, (p) => p.containerPort === t.target && protocolOf(p.protocol) === t.protocol));
        });
        if (lacking.length === 0) continue;
        const declaredPorts = [...new Set(lacking.flatMap((o) => servingContainers(o).flatMap((c) => asArray(c.container.ports).flatMap((p) => (isObject(p) && protocolOf(p.protocol) === t.protocol && typeof p.containerPort === 'number' ? [p.containerPort] : [])))))];
        out.push({ path: t.path, message: `Service "${resource.name}" ${t.serviceName} sends ${t.protocol} traffic to port ${t.target}, but ${names(lacking)} declare${lacking.length === 1 ? 's' : ''} only ${declaredPorts.join(', ')}` });
      }
      return out;
    },
    examples: {
      valid: [
        stream(workload('web', '[{name: http, containerPort: 8080}]'), service('web', '  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: 8080}]')),
        stream(workload('web', '[]'), service('web', '  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: 8080}]')),
      ],
      invalid: [
        stream(workload('web', '[{name: http, containerPort: 8080}]'), service('web', '  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: 8000}]')),
        stream(workload('api', '[{name: http, containerPort: 8080}]'), service('api', '  selector: {app: api}\n  ports: [{name: http, port: 9090}]')),
      ],
    },
  }),

  defineRule({
    id: 'external-traffic-policy-cluster',
    title: 'Exposed Service hides client addresses',
    severity: 'info',
    ...EXPOSURE,
    tags: ['exposure', 'services', 'network-policy'],
    optIn: true,
    description:
      'NodePort and LoadBalancer Services default to externalTrafficPolicy: Cluster, under which nodes forward outside ' +
      'traffic to pods on other nodes and replace the client address with a node address. The pods, their NetworkPolicy ' +
      'ipBlock rules and application allowlists then cannot see or filter by the real client. Local keeps the client address ' +
      '(at the cost of uneven load spreading and of nodes without a ready pod dropping traffic).',
    remediation: 'Set spec.externalTrafficPolicy: Local on Services whose pods or policies filter by client address.',
    references: [SOURCE_IP_DOC, SERVICE_DOC + '#traffic-policies'],
    appliesTo: ['Service'],
    check: (resource) => {
      const type = serviceType(resource);
      if (type !== 'NodePort' && type !== 'LoadBalancer') return [];
      const policy = spec(resource)?.externalTrafficPolicy;
      if (policy === 'Local') return [];
      return [{ path: policy !== undefined ? '/spec/externalTrafficPolicy' : typePath(resource), message: `Service "${resource.name}" (${type}) uses externalTrafficPolicy ${policy === undefined ? 'Cluster (the default)' : JSON.stringify(policy)}, so its pods see node addresses instead of client addresses` }];
    },
    examples: {
      valid: [service('storefront', '  type: LoadBalancer\n  externalTrafficPolicy: Local\n  loadBalancerSourceRanges: [203.0.113.0/24]\n  selector: {app: storefront}\n  ports: [{name: https, port: 443}]')],
      invalid: [service('storefront', '  type: NodePort\n  selector: {app: storefront}\n  ports: [{name: http, port: 80}]')],
    },
  }),
];
