/**
 * Falco's alerts as its HTTP output posts them (`json_output: true`, `http_output.enabled`), and
 * as falcosidekick's webhook output forwards them. One JSON object per request:
 *
 *   { "uuid": "…" (falcosidekick only), "hostname": "node-1", "output": "… text …",
 *     "priority": "Warning", "rule": "Terminal shell in container", "source": "syscall",
 *     "tags": ["container", "shell", "mitre_execution", "T1059"],
 *     "time": "2026-01-30T12:00:00.123456789Z",
 *     "output_fields": { "k8s.ns.name": "shop", "k8s.pod.name": "cart-5d9c", "container.id": "…", … } }
 *
 * `rule`, `priority` and `output_fields` are required (without them nothing can be matched or
 * targeted); `time` defaults to when the alert was received. falcosidekick also accepts a list
 * (several alerts in one body), which is taken here too.
 */
import type { AlertDecoder, AlertSource, RuntimeAlert } from '../../alert.js';
import { buildAlert, destinationFromFields, fail, isRecord, MAX_ALERTS_PER_BODY, optionalString, parseFields, parsePriority, parseTags, parseTime, requireString, targetFromFields } from './common.js';

function decodeOne(body: unknown, receivedAt: Date, source: AlertSource, where: string): RuntimeAlert {
  if (!isRecord(body)) fail(`${where}an alert must be a JSON object`);
  const rule = requireString(body, 'rule', where, 512);
  const priority = parsePriority(body.priority, where);
  const time = parseTime(body.time, where, receivedAt);
  const output = optionalString(body, 'output', where) ?? rule;
  const tags = parseTags(body.tags, where);
  if (body.output_fields === undefined) fail(`${where}output_fields: required (set json_include_output_property and json_output in falco.yaml)`);
  const fields = parseFields(body.output_fields, where);
  const hostname = optionalString(body, 'hostname', where, 253);
  const eventSource = optionalString(body, 'source', where, 100);
  if (source === 'falcosidekick') optionalString(body, 'uuid', where, 100);
  // The event source (syscall, k8s_audit, aws_cloudtrail, …) is kept among the fields for matching.
  if (eventSource !== undefined) fields['falco.source'] ??= eventSource;
  if (hostname !== undefined) fields['falco.hostname'] ??= hostname;
  if (source === 'falcosidekick' && typeof body.uuid === 'string') fields['falcosidekick.uuid'] ??= body.uuid;
  return buildAlert({ source, rule, priority, time, output, tags, fields, target: targetFromFields(fields, hostname), destination: destinationFromFields(fields) });
}

function decodeBody(body: unknown, receivedAt: Date, source: AlertSource): RuntimeAlert[] {
  if (Array.isArray(body)) {
    if (body.length === 0) fail('the list holds no alert');
    if (body.length > MAX_ALERTS_PER_BODY) fail(`more than ${MAX_ALERTS_PER_BODY} alerts in one body`);
    return body.map((item, i) => decodeOne(item, receivedAt, source, `[${i}].`));
  }
  return [decodeOne(body, receivedAt, source, '')];
}

export const falcoDecoder: AlertDecoder = {
  source: 'falco',
  path: '/v1/alerts/falco',
  decode: (body, receivedAt) => decodeBody(body, receivedAt, 'falco'),
};

export const falcosidekickDecoder: AlertDecoder = {
  source: 'falcosidekick',
  path: '/v1/alerts/falcosidekick',
  decode: (body, receivedAt) => decodeBody(body, receivedAt, 'falcosidekick'),
};
