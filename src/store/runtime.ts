/**
 * `kshield respond`'s audit lines on their way into the store. respond writes one JSON line (pino)
 * per step of a response (`event: "action"` or `"refusal"`: the alert, the policy rule, the action,
 * its status and reason, the pod, the objects changed) and one per alert with the posture of its pod
 * (`event: "posture"`); every such line carries `audit: "kshield.respond"` and the alert's summary
 * (id, source, rule, priority, time). Here they are grouped by alert: one alert row (keyed by the
 * cluster and the alert's id, so importing the same log twice stores it once) with its actions
 * (keyed by the line itself) and its latest posture.
 *
 * Other lines (respond's start, its cache's state, other programs' logs) are counted and left out.
 * A line that is not JSON is refused with its number. Bounded: MAX_RUNTIME_LINES lines an import,
 * texts cut, a posture kept whole up to MAX_POSTURE_BYTES and as its summary beyond.
 */
import { jsonSyntaxError } from '../compliance/input.js';
import { createHash } from 'node:crypto';
import { StoreError } from './types.js';

export const MAX_RUNTIME_LINES = 200_000;
/** Alerts kept per cluster: past it, the oldest go (with their actions). */
export const MAX_ALERTS_PER_SOURCE = 100_000;
const MAX_POSTURE_BYTES = 64 * 1024;
const MAX_LINE = 256 * 1024;

/** Falco's priorities, most severe first (runtime/alert.ts's ALERT_PRIORITIES; the store keeps what a line says). */
export const ALERT_PRIORITIES = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'informational', 'debug'] as const;

/** Higher is more severe; an unknown priority ranks lowest. */
export function priorityRank(priority: string): number {
  const i = (ALERT_PRIORITIES as readonly string[]).indexOf(priority);
  return i === -1 ? 0 : ALERT_PRIORITIES.length - i;
}

export interface RuntimeActionRow {
  /** The audit line's identity: a hash of the line, so a line imported twice is stored once. */
  key: string;
  at: number;
  policyRule: string;
  step: number;
  action: string;
  /** done, dry-run, skipped, failed, refused, pending… as respond wrote it. */
  status: string;
  reason: string;
  refusal: string | null;
  approval: string | null;
  dryRun: boolean;
  node: string | null;
  /** JSON of the objects the action changed (kind, namespace, name, change). */
  objects: string;
}

export interface RuntimeAlertRow {
  /** The alert's id as respond gave it. */
  key: string;
  /** Who sent it: falco, falcosidekick, audit, generic. */
  sender: string;
  rule: string;
  priority: string;
  at: number;
  /** '' when no line names it. */
  namespace: string;
  pod: string;
  techniques: string[];
  tactics: string[];
  /** The latest posture line's status and posture (JSON), when there is one. */
  postureStatus: string | null;
  posture: string | null;
  /** When the first of its lines was written. */
  firstSeen: number;
  actions: RuntimeActionRow[];
}

export interface PreparedRuntime {
  alerts: RuntimeAlertRow[];
  /** Lines read, lines that were respond's audit lines of an alert, lines left out. */
  lines: number;
  used: number;
  skipped: number;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function text(v: unknown, max = 2000): string {
  const s = typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
  const cut = s.length > max ? `${s.slice(0, max - 1)}…` : s;
  return cut.includes('\u0000') ? cut.replaceAll('\u0000', '\ufffd') : cut;
}

function timeOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string') {
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return t;
  }
  return undefined;
}

function strings(v: unknown, max = 20): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, max).map((x) => text(x, 100)) : [];
}

/** Whether a text looks like respond's audit log: its first JSON line is one of respond's lines. */
export function looksLikeRespondLog(value: string): boolean {
  const first = value.slice(0, MAX_LINE).split('\n').find((l) => l.trim() !== '');
  if (!first) return false;
  try {
    const line: unknown = JSON.parse(first);
    return isObj(line) && (line.audit === 'kshield.respond' || line.component === 'kshield-respond');
  } catch {
    return false;
  }
}

/** The posture as kept: whole when small, else the summary the page shows first. */
function keptPosture(p: Json): string {
  const whole = JSON.stringify(p);
  if (whole.length <= MAX_POSTURE_BYTES) return whole;
  const findings = isObj(p.findings) ? { counts: p.findings.counts, truncated: true, open: Array.isArray(p.findings.open) ? p.findings.open.slice(0, 20) : [] } : undefined;
  const images = Array.isArray(p.images) ? p.images.slice(0, 20).map((i) => (isObj(i) ? { container: i.container, image: i.image, scanned: i.scanned, counts: i.counts } : i)) : p.images;
  const summary = { pod: p.pod, status: p.status, workload: p.workload, serviceAccount: p.serviceAccount, findings, images, notes: ['the posture was larger than 64 KiB: its summary is kept'], at: p.at };
  const text = JSON.stringify(summary);
  return text.length <= MAX_POSTURE_BYTES ? text : JSON.stringify({ pod: p.pod, status: p.status, at: p.at, notes: ['the posture was larger than 64 KiB'] });
}

/**
 * respond's audit lines, as JSON-lines text (what its standard output holds) or as parsed lines (what
 * a live push sends), grouped by alert.
 */
export function prepareRuntime(input: string | readonly unknown[], maxBytes: number): PreparedRuntime {
  let values: unknown[];
  if (typeof input === 'string') {
    if (Buffer.byteLength(input) > maxBytes) throw new StoreError(`the audit log is ${Buffer.byteLength(input)} bytes, more than the ${maxBytes} bytes the store accepts in one import`);
    values = [];
    const lines = input.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line === '') continue;
      if (values.length >= MAX_RUNTIME_LINES) throw new StoreError(`the audit log holds more than ${MAX_RUNTIME_LINES} lines; import it in parts`);
      if (line.length > MAX_LINE) throw new StoreError(`line ${i + 1} of the audit log is ${line.length} characters long (at most ${MAX_LINE}): not one of kshield respond's lines`);
      try {
        values.push(JSON.parse(line));
      } catch (e) {
        throw new StoreError(`line ${i + 1} of the audit log is ${jsonSyntaxError(line, e).replace(/ \(line 1\)/, '')}: give the JSON lines kshield respond writes on its standard output`);
      }
    }
  } else {
    if (!Array.isArray(input)) throw new StoreError('the audit lines must be a list');
    if (input.length > MAX_RUNTIME_LINES) throw new StoreError(`${input.length} audit lines in one import, more than ${MAX_RUNTIME_LINES}`);
    values = [...input];
  }

  const alerts = new Map<string, RuntimeAlertRow>();
  let used = 0;
  for (const line of values) {
    if (!isObj(line) || line.audit !== 'kshield.respond' || !isObj(line.alert) || typeof line.alert.id !== 'string' || line.alert.id === '') continue;
    const event = line.event;
    if (event !== 'action' && event !== 'refusal' && event !== 'posture') continue;
    const a = line.alert;
    const lineAt = timeOf(line.time) ?? timeOf(a.time) ?? 0;
    const key = text(a.id, 200);
    let alert = alerts.get(key);
    if (!alert) {
      alert = {
        key,
        sender: text(a.source, 40) || 'unknown',
        rule: text(a.rule, 500) || '(no rule)',
        priority: text(a.priority, 40) || 'unknown',
        at: timeOf(a.time) ?? lineAt,
        namespace: '',
        pod: '',
        techniques: [],
        tactics: [],
        postureStatus: null,
        posture: null,
        firstSeen: lineAt,
        actions: [],
      };
      alerts.set(key, alert);
    }
    alert.firstSeen = Math.min(alert.firstSeen, lineAt);
    used++;
    if (event === 'posture') {
      if (!isObj(line.posture)) continue;
      alert.postureStatus = text(line.posture.status, 500);
      alert.posture = keptPosture(line.posture);
      if (!alert.pod && typeof line.posture.pod === 'string' && line.posture.pod.includes('/')) {
        const [namespace, pod] = line.posture.pod.split('/', 2);
        alert.namespace = text(namespace, 253);
        alert.pod = text(pod, 253);
      }
      continue;
    }
    const target = isObj(line.target) ? line.target : undefined;
    if (target && typeof target.namespace === 'string' && typeof target.pod === 'string') {
      alert.namespace = text(target.namespace, 253);
      alert.pod = text(target.pod, 253);
    }
    if (isObj(line.mitre)) {
      if (alert.techniques.length === 0) alert.techniques = strings(line.mitre.techniques);
      if (alert.tactics.length === 0) alert.tactics = strings(line.mitre.tactics);
    }
    const objects = Array.isArray(line.objects)
      ? line.objects.slice(0, 50).map((o) => (isObj(o) ? { apiVersion: text(o.apiVersion, 100), kind: text(o.kind, 100), namespace: typeof o.namespace === 'string' ? text(o.namespace, 253) : null, name: text(o.name, 253), change: text(o.change, 100) } : null)).filter(Boolean)
      : [];
    alert.actions.push({
      key: createHash('sha256').update(JSON.stringify(line)).digest('hex').slice(0, 32),
      at: lineAt,
      policyRule: text(line.policyRule, 200),
      step: typeof line.step === 'number' && Number.isSafeInteger(line.step) && line.step >= 0 ? line.step : 0,
      action: text(line.action, 100) || '(none)',
      status: text(line.status, 40) || (event === 'refusal' ? 'refused' : 'unknown'),
      reason: text(line.reason, 2000),
      refusal: typeof line.refusal === 'string' ? text(line.refusal, 100) : null,
      approval: typeof line.approval === 'string' ? text(line.approval, 100) : null,
      dryRun: line.dryRun === true,
      node: target && typeof target.node === 'string' ? text(target.node, 253) : null,
      objects: JSON.stringify(objects),
    });
  }
  return { alerts: [...alerts.values()], lines: values.length, used, skipped: values.length - used };
}
