/**
 * The generic JSON form, for senders other than Falco (a SIEM, a script, another detector); see
 * docs/respond.md. One alert, or `{ "alerts": [ … ] }` (at most 100):
 *
 *   { "rule": "crypto-miner",                 required: what fired
 *     "priority": "critical",                 required: a Falco priority name
 *     "time": "2026-01-30T12:00:00Z",         optional
 *     "message": "xmrig started in cart",     optional
 *     "tags": ["T1496"],                      optional: technique ids give the MITRE fields
 *     "target": { "namespace": "shop", "pod": "cart-5d9c", "container": "cart", "node": "node-1" },
 *     "destination": { "ip": "203.0.113.7", "port": 3333, "protocol": "TCP" },
 *     "fields": { "any.name": "scalar" } }    optional: matched by the policy's `fields`
 */
import { isIP } from 'node:net';
import type { AlertDecoder, RuntimeAlert } from '../../alert.js';
import { buildAlert, fail, isRecord, MAX_ALERTS_PER_BODY, optionalString, parseFields, parsePriority, parseTags, parseTime, requireString } from './common.js';

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function decodeTarget(value: unknown, where: string): RuntimeAlert['target'] {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) fail(`${where}target: must be an object`);
  const known = ['namespace', 'pod', 'container', 'containerId', 'node'];
  const unknown = Object.keys(value).find((k) => !known.includes(k));
  if (unknown) fail(`${where}target.${unknown}: unknown key (known: ${known.join(', ')})`);
  const target: NonNullable<RuntimeAlert['target']> = {};
  for (const key of known as (keyof NonNullable<RuntimeAlert['target']>)[]) {
    const v = optionalString(value, key, `${where}target.`, 253);
    if (v === undefined) continue;
    if ((key === 'namespace' || key === 'pod' || key === 'node') && !NAME.test(v)) fail(`${where}target.${key}: "${v.slice(0, 60)}" is not a Kubernetes object name`);
    target[key] = v;
  }
  return Object.keys(target).length ? target : undefined;
}

function decodeDestination(value: unknown, where: string): RuntimeAlert['destination'] {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) fail(`${where}destination: must be an object`);
  const destination: NonNullable<RuntimeAlert['destination']> = {};
  const ip = optionalString(value, 'ip', `${where}destination.`, 64);
  if (ip !== undefined) {
    if (isIP(ip) === 0) fail(`${where}destination.ip: "${ip}" is not an IP address`);
    destination.ip = ip;
  }
  if (value.port !== undefined) {
    if (!Number.isInteger(value.port) || (value.port as number) < 1 || (value.port as number) > 65535) fail(`${where}destination.port: must be a whole number from 1 to 65535`);
    destination.port = value.port as number;
  }
  if (value.protocol !== undefined) {
    if (value.protocol !== 'TCP' && value.protocol !== 'UDP' && value.protocol !== 'SCTP') fail(`${where}destination.protocol: must be TCP, UDP or SCTP`);
    destination.protocol = value.protocol;
  }
  return Object.keys(destination).length ? destination : undefined;
}

const KEYS = ['rule', 'priority', 'time', 'message', 'tags', 'target', 'destination', 'fields'];

function decodeOne(body: unknown, receivedAt: Date, where: string): RuntimeAlert {
  if (!isRecord(body)) fail(`${where}an alert must be a JSON object`);
  const unknown = Object.keys(body).find((k) => !KEYS.includes(k));
  if (unknown) fail(`${where}${unknown}: unknown key (the generic form has ${KEYS.join(', ')})`);
  const rule = requireString(body, 'rule', where, 512);
  const priority = parsePriority(body.priority, where);
  return buildAlert({
    source: 'generic',
    rule,
    priority,
    time: parseTime(body.time, where, receivedAt),
    output: optionalString(body, 'message', where) ?? rule,
    tags: parseTags(body.tags, where),
    fields: parseFields(body.fields, where, 'fields'),
    target: decodeTarget(body.target, where),
    destination: decodeDestination(body.destination, where),
  });
}

export const genericDecoder: AlertDecoder = {
  source: 'generic',
  path: '/v1/alerts/generic',
  decode(body, receivedAt) {
    if (isRecord(body) && 'alerts' in body) {
      const unknown = Object.keys(body).find((k) => k !== 'alerts');
      if (unknown) fail(`${unknown}: unknown key beside "alerts"`);
      const list = body.alerts;
      if (!Array.isArray(list) || list.length === 0) fail('alerts: must be a non-empty list');
      if (list.length > MAX_ALERTS_PER_BODY) fail(`alerts: more than ${MAX_ALERTS_PER_BODY} in one body`);
      return list.map((item, i) => decodeOne(item, receivedAt, `alerts[${i}].`));
    }
    return [decodeOne(body, receivedAt, '')];
  },
};
