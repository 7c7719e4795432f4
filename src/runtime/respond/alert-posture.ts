/**
 * Alerts linked to posture in `kshield respond`: for an alert that names a pod, postureLink()
 * (runtime/posture.ts) over the live objects (live-objects.ts) and the image results (--images),
 * in the shape respond writes out (its `posture` audit line, `GET /v1/alerts/ID`, notify's `json`
 * payload), and a few lines for a chat message.
 *
 * Computing it never holds an action up: the engine asks for it after the chain has run (or when a
 * `notify` step needs it). Until the cache has listed every kind, the posture says
 * `pending: cache not yet synced` instead of guessing from part of the cluster. A posture is
 * computed once per pod while the cluster's objects do not change (a burst of alerts about one pod
 * costs one computation).
 */
import type { Severity } from '../../core/types.js';
import { SEVERITIES } from '../../core/types.js';
import type { ImageObjectView } from '../../images/image-object.js';
import { postureLink, type PostureImage, type PostureLink } from '../posture.js';
import type { RuntimeAlert } from '../alert.js';
import type { LiveObjects, LiveObjectsStatus } from './live-objects.js';

export const POSTURE_PENDING = 'pending: cache not yet synced';
export const IMAGES_UNKNOWN = 'unknown: no image results given (--images)';

/** What respond writes about the posture of an alert's pod. */
export interface AlertPosture {
  /** namespace/pod */
  pod: string;
  /** `linked`; `pending: cache not yet synced`; `not found: …` (the pod is not among the objects kept). */
  status: string;
  workload?: PostureLink['workload'];
  serviceAccount?: string;
  findings?: PostureLink['findings'];
  /** Each container's image and its vulnerable packages, or why they are not known. */
  images?: PostureImage[] | string;
  reachability?: PostureLink['reachability'];
  rbac?: PostureLink['rbac'];
  notes?: string[];
  cache: LiveObjectsStatus;
  /** When it was computed, and how long that took. */
  at: string;
  ms: number;
}

export interface PostureSource {
  /** The posture of the pod the alert names; undefined when it names none. */
  postureFor(alert: RuntimeAlert): AlertPosture | undefined;
}

export interface AlertPostureOptions {
  objects: LiveObjects;
  /** --images; absent: vulnerable packages are not known. */
  images?: readonly ImageObjectView[];
  now?: () => Date;
  /** Postures remembered per pod (for one state of the objects). Default 256. */
  memo?: number;
}

export class LivePosture implements PostureSource {
  private readonly memo = new Map<string, { generation: number; posture: AlertPosture }>();

  constructor(private readonly options: AlertPostureOptions) {}

  postureFor(alert: RuntimeAlert): AlertPosture | undefined {
    const namespace = alert.target?.namespace;
    const pod = alert.target?.pod;
    if (!namespace || !pod) return undefined;
    return this.forPod(namespace, pod);
  }

  forPod(namespace: string, pod: string): AlertPosture {
    const { objects } = this.options;
    const now = this.options.now ?? (() => new Date());
    const key = `${namespace}/${pod}`;
    if (objects.failed) return { pod: key, status: `unknown: the posture cache could not start (${objects.failed})`, cache: objects.status(), at: now().toISOString(), ms: 0 };
    if (!objects.synced) return { pod: key, status: POSTURE_PENDING, cache: objects.status(), at: now().toISOString(), ms: 0 };
    const remembered = this.memo.get(key);
    if (remembered && remembered.generation === objects.generation) return remembered.posture;
    const started = performance.now();
    const generation = objects.generation;
    const link = postureLink(
      { namespace, pod },
      { objects: objects.snapshot(), rules: objects.rules(), ...(objects.kubernetesVersion ? { settings: { kubernetesVersion: objects.kubernetesVersion } } : {}), ...(this.options.images ? { images: this.options.images } : {}) },
    );
    const posture = fromLink(link, objects.status(), now(), performance.now() - started);
    this.memo.delete(key);
    this.memo.set(key, { generation, posture });
    if (this.memo.size > (this.options.memo ?? 256)) this.memo.delete(this.memo.keys().next().value!);
    return posture;
  }
}

function fromLink(link: PostureLink, cache: LiveObjectsStatus, at: Date, ms: number): AlertPosture {
  const pod = `${link.target.namespace}/${link.target.pod}`;
  const base = { pod, cache, at: at.toISOString(), ms: Math.round(ms * 10) / 10 };
  if (!link.found) return { ...base, status: `not found: ${link.notes[0] ?? 'the pod is not among the objects kept'}` };
  return {
    pod,
    status: 'linked',
    ...(link.workload ? { workload: link.workload } : {}),
    ...(link.serviceAccount ? { serviceAccount: link.serviceAccount } : {}),
    findings: link.findings,
    images: link.vulnerabilitiesAvailable ? link.images : IMAGES_UNKNOWN,
    ...(link.reachability ? { reachability: link.reachability } : {}),
    ...(link.rbac ? { rbac: link.rbac } : {}),
    // The images note is said by `images` itself.
    notes: link.notes.filter((n) => !n.startsWith('no image results given')),
    cache: base.cache,
    at: base.at,
    ms: base.ms,
  };
}

function countsText(counts: Record<Severity, number>): string {
  const parts = SEVERITIES.filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
  return parts.length ? parts.join(', ') : 'none';
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A few lines for a chat message (notify's Slack text): findings by severity, who can reach the pod, whether its account reaches cluster-admin. */
export function postureSummary(p: AlertPosture): string {
  if (p.status !== 'linked') return `Posture of ${p.pod}: ${p.status}.`;
  const lines: string[] = [];
  const workload = p.workload && p.workload.kind !== 'Pod' ? ` (${p.workload.kind} ${p.workload.namespace}/${p.workload.name})` : '';
  lines.push(`Posture of ${p.pod}${workload}: open findings: ${p.findings ? countsText(p.findings.counts) : 'not known'}.`);
  if (p.reachability) {
    const inbound = p.reachability.inbound;
    const shown = inbound.slice(0, 3).map((c) => `${c.peer} (${c.ports === 'all' ? 'all ports' : c.ports.join(', ')})`);
    const more = inbound.length > 3 || p.reachability.truncated ? `, and ${p.reachability.truncated ? 'more' : inbound.length - 3} more` : '';
    lines.push(`Reachable from: ${inbound.length === 0 ? 'nothing (no ingress allowed)' : cut(shown.join('; '), 400) + more}.`);
  } else lines.push('Reachable from: not known.');
  if (p.rbac) {
    const admin = p.rbac.paths.find((path) => /cluster-admin|full control of the cluster/.test(path.goal));
    lines.push(
      p.rbac.reachesClusterAdmin
        ? `Service account ${p.rbac.serviceAccount} reaches cluster-admin${admin ? `: ${cut(admin.steps.join(' → '), 300)}` : ''}.`
        : `Service account ${p.rbac.serviceAccount} does not reach cluster-admin${p.rbac.paths.length ? ` (it reaches: ${cut(p.rbac.paths.map((x) => x.goal).join('; '), 200)})` : ''}.`,
    );
  }
  if (typeof p.images === 'string') lines.push(`Vulnerable packages: ${p.images}.`);
  else if (p.images) {
    const total: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
    for (const i of p.images) for (const s of SEVERITIES) total[s] += i.counts?.[s] ?? 0;
    const scanned = p.images.filter((i) => i.scanned).length;
    lines.push(`Vulnerable packages: ${countsText(total)} (${scanned} of ${p.images.length} images in the results).`);
  }
  return lines.join('\n');
}

/** A short form for lists (pending approvals): counts and flags, no lists. */
export function postureBrief(p: AlertPosture): Record<string, unknown> {
  if (p.status !== 'linked') return { pod: p.pod, status: p.status };
  return {
    pod: p.pod,
    status: p.status,
    ...(p.workload ? { workload: `${p.workload.kind} ${p.workload.namespace}/${p.workload.name}` } : {}),
    findings: p.findings?.counts,
    reachableFrom: p.reachability?.inbound.length,
    reachesClusterAdmin: p.rbac?.reachesClusterAdmin ?? false,
  };
}
