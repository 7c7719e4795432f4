import type { Violation } from '../../core/types.js';
import { parseCidr, parseIp, type Cidr } from '../../analysis/cidr.js';
import { defineRule } from '../define.js';
import { AUDIT_DOCS, auditEventExample, describeActor, describeObject, finalAuditEvent, refused } from './shared.js';

/** The API server's own loopback client (and anyone on its host): always inside. */
const LOOPBACK = ['127.0.0.0/8', '::1/128'].map((t) => parseCidr(t)!);

/** The configured networks, each a CIDR block or a single address; entries that are neither are ignored (the configuration's validation reports them). */
export function parseNetworks(entries: readonly string[]): { networks: Cidr[]; invalid: string[] } {
  const networks: Cidr[] = [];
  const invalid: string[] = [];
  for (const entry of entries) {
    const text = entry.trim();
    const ip = text.includes('/') ? undefined : parseIp(text);
    const cidr = ip ? parseCidr(`${text}/${ip.family === 4 ? 32 : 128}`) : parseCidr(text);
    if (cidr) networks.push(cidr);
    else invalid.push(entry);
  }
  return { networks, invalid };
}

/** An address as the API server writes it, IPv4-mapped IPv6 (::ffff:a.b.c.d) read as the IPv4 address. */
function readIp(text: string): ReturnType<typeof parseIp> {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  return parseIp(mapped ? mapped[1] : text);
}

const parsed = new Map<string, Cidr[]>();

function networksOf(entries: readonly string[]): Cidr[] {
  const key = entries.join('\n');
  let networks = parsed.get(key);
  if (!networks) {
    networks = parseNetworks(entries).networks;
    if (parsed.size > 16) parsed.clear();
    parsed.set(key, networks);
  }
  return networks;
}

export const auditRequestOutsideNetworks = defineRule({
  id: 'audit-request-outside-networks',
  title: 'API request from outside the expected networks',
  severity: 'high',
  category: 'audit',
  tags: ['audit', 'runtime', 'initial-access'],
  description:
    'A request whose source addresses (the event\'s sourceIPs: the X-Forwarded-For chain, then X-Real-Ip, then the connection\'s peer) include one outside the networks set in `auditAllowedNetworks` (CIDR blocks or addresses): someone reached the API server from where nobody should. ' +
    'Every address is checked, so a client cannot hide behind a forged X-Forwarded-For (its real peer is the last one); loopback addresses (the API server\'s own requests) always count as inside. ' +
    'Without `auditAllowedNetworks` the rule cannot know what is expected and judges nothing. A request refused by authentication or authorization (401, 403) is reported at medium; any other at high. Only the request\'s last stage (ResponseComplete or Panic) is judged.',
  remediation: 'Find out who it was (user, user agent); restrict the API server\'s endpoint to the expected networks (firewall, the cloud provider\'s authorized networks), and revoke the credentials used if the request was not expected.',
  references: [AUDIT_DOCS, 'https://kubernetes.io/docs/concepts/security/controlling-access/', 'https://attack.mitre.org/techniques/T1133/'],
  frameworks: { mitre: ['T1133'] },
  appliesTo: ['Event'],
  check(resource, context) {
    const configured = context.settings.auditAllowedNetworks;
    if (!configured || configured.length === 0) return [];
    const event = finalAuditEvent(resource);
    if (!event) return [];
    const networks = [...LOOPBACK, ...networksOf(configured)];
    const out: Violation[] = [];
    event.sourceIPs.forEach((text, i) => {
      const ip = readIp(text);
      if (!ip) return;
      if (networks.some((n) => n.family === ip.family && ip.value >= n.first && ip.value <= n.last)) return;
      const what = event.objectRef ? describeObject(event.objectRef) : (event.requestURI ?? '?').split('?')[0];
      out.push({
        path: `/sourceIPs/${i}`,
        message: `${describeActor(event)} made a request from ${text}, outside the allowed networks: ${event.verb ?? '?'} ${what} answered ${event.code ?? 'nothing'}`,
        ...(refused(event) ? { severity: 'medium' as const } : {}),
      });
    });
    return out;
  },
  examples: {
    settings: { auditAllowedNetworks: ['10.0.0.0/8', '192.0.2.10'] },
    valid: [
      auditEventExample({ verb: 'list', requestURI: '/api/v1/namespaces/shop/pods', objectRef: { resource: 'pods', namespace: 'shop', apiVersion: 'v1' }, sourceIPs: ['192.0.2.10', '10.0.4.12'], code: 200 }),
      auditEventExample({ verb: 'get', requestURI: '/api/v1/namespaces/default/services/kubernetes', objectRef: { resource: 'services', namespace: 'default', name: 'kubernetes', apiVersion: 'v1' }, sourceIPs: ['::1'], code: 200 }),
    ],
    invalid: [
      {
        manifest: auditEventExample({ verb: 'list', requestURI: '/api/v1/secrets', objectRef: { resource: 'secrets', apiVersion: 'v1' }, sourceIPs: ['10.0.4.12', '203.0.113.7'], code: 200 }),
        expect: [{ path: '/sourceIPs/1', message: '"alice" made a request from 203.0.113.7, outside the allowed networks: list secrets (all namespaces) answered 200' }],
      },
    ],
  },
});
