import { service } from '../examples.js';
import type { Resource, Violation } from '../../core/types.js';
import { defineRule } from '../define.js';
import { asNumber } from '../../core/values.js';
import { EXPOSURE, FIREWALL_DOC, SECURITY_CHECKLIST, SERVICE_TYPES_DOC, externalIPs, isAllowAll, isInternalLoadBalancer, loadBalancerSourceRanges, servicePorts, serviceType } from './shared.js';

/** Whether a LoadBalancer Service accepts connections from any address on the internet. */
function isOpenLoadBalancer(resource: Resource): boolean {
  if (serviceType(resource) !== 'LoadBalancer' || isInternalLoadBalancer(resource)) return false;
  const { ranges } = loadBalancerSourceRanges(resource);
  return ranges.length === 0 || ranges.some((r) => isAllowAll(r.cidr));
}

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

export const sensitivePortExposed = defineRule({
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
      {
        manifest: service('redis', '  type: LoadBalancer\n  selector: {app: redis}\n  ports: [{name: redis, port: 6379}]'),
        expect: ['/spec/ports/0/port'],
      },
      {
        manifest: service('postgres', '  type: NodePort\n  selector: {app: postgres}\n  ports: [{name: pg, port: 80, targetPort: 5432}]'),
        expect: ['/spec/ports/0/targetPort'],
      },
    ],
  },
});
