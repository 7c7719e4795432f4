/** Helpers the exposure rules share. */
import type { RuleContext } from '../../engine/rule.js';
import type { JsonObject, Resource } from '../../core/types.js';
import { asArray, fieldAt, isObject, asObject, asString, stringMap } from '../../core/values.js';
import { containers, type ContainerView } from '../../k8s/pods.js';
import { escapePointerToken } from '../../core/pointer.js';
import { podOwnersMatchingMap } from '../reliability/shared.js';
import { isValidPortName } from '../../k8s/api-validation.js';

export const SERVICE_DOC = 'https://kubernetes.io/docs/concepts/services-networking/service/';

export const SERVICE_TYPES_DOC = SERVICE_DOC + '#publishing-services-service-types';

export const INGRESS_DOC = 'https://kubernetes.io/docs/concepts/services-networking/ingress/';

export const FIREWALL_DOC = 'https://kubernetes.io/docs/tasks/access-application-cluster/configure-cloud-provider-firewall/';

export const SECURITY_CHECKLIST = 'https://kubernetes.io/docs/concepts/security/security-checklist/';

export const LOAD_BALANCER_SOURCE_RANGES_ANNOTATION = 'service.beta.kubernetes.io/load-balancer-source-ranges';

// ---------------------------------------------------------------------------------------------
// Readers.

export function spec(resource: Resource): JsonObject | undefined {
  return asObject(resource.object.spec);
}

export function annotations(resource: Resource): Record<string, string> {
  return stringMap(fieldAt(resource.object, 'metadata', 'annotations'));
}

export function serviceType(resource: Resource): string {
  return asString(spec(resource)?.type) ?? 'ClusterIP';
}

export function typePath(resource: Resource): string {
  return spec(resource)?.type !== undefined ? '/spec/type' : '/spec';
}

/**
 * Cloud annotations that make a LoadBalancer internal (reachable only from the VPC/VNet). The value
 * must say so: "false" keeps the load balancer public.
 */
export const INTERNAL_LB_ANNOTATIONS: Record<string, RegExp> = {
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

export function isInternalLoadBalancer(resource: Resource): boolean {
  const a = annotations(resource);
  return Object.entries(INTERNAL_LB_ANNOTATIONS).some(([k, re]) => a[k] !== undefined && re.test(a[k].trim()));
}

export function isAllowAll(cidr: string): boolean {
  return /\/0$/.test(cidr.trim());
}

export interface SourceRanges {
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

export function externalIPs(resource: Resource): string[] {
  return asArray(spec(resource)?.externalIPs).filter((ip): ip is string => typeof ip === 'string' && ip.trim() !== '');
}

export function servicePorts(resource: Resource): { port: JsonObject; index: number }[] {
  return asArray(spec(resource)?.ports).flatMap((p, index) => (isObject(p) ? [{ port: p, index }] : []));
}

/** A port's protocol after defaulting (unset or "" is TCP). */
export function protocolOf(value: unknown): string {
  return typeof value === 'string' && value !== '' ? value : 'TCP';
}

export function ruleHosts(s: JsonObject): { host: string; path: string }[] {
  return asArray(s.rules).flatMap((r, i) => {
    const host = asString(fieldAt(r, 'host'));
    return host !== undefined && host.trim() !== '' ? [{ host, path: `/spec/rules/${i}/host` }] : [];
  });
}

// ---------------------------------------------------------------------------------------------
// Service ports against container ports.

/**
 * Containers the endpoints controller searches for a named target port: the regular containers,
 * then sidecars (init containers with restartPolicy Always).
 */
export function servingContainers(owner: Resource): ContainerView[] {
  return containers(owner).filter((c) => c.type === 'containers' || (c.type === 'initContainers' && c.container.restartPolicy === 'Always'));
}

export function declares(c: ContainerView, match: (p: JsonObject) => boolean): boolean {
  return asArray(c.container.ports).some((p) => isObject(p) && match(p));
}

export interface TargetPortCase {
  serviceName: string;
  index: number;
  path: string;
  protocol: string;
  target: string | number;
}

export function targetPorts(resource: Resource): TargetPortCase[] {
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
export function selectedWorkloads(resource: Resource, context: RuleContext): Resource[] | undefined {
  const s = spec(resource);
  if (!s || s.type === 'ExternalName' || !isObject(s.selector)) return undefined;
  if (Object.keys(s.selector).length === 0 || Object.values(s.selector).some((v) => typeof v !== 'string')) return undefined;
  const { owners } = podOwnersMatchingMap(context, resource, stringMap(s.selector));
  return owners.length > 0 ? owners : undefined;
}

export function names(list: Resource[]): string {
  return list.map((r) => `${r.kind} "${r.name}"`).join(', ');
}

// ---------------------------------------------------------------------------------------------

export const EXPOSURE = { category: 'exposure' as const };
