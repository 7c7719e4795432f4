/**
 * `--desired DIR`: live workloads compared with the manifests that declare them (a GitOps
 * repository's), in the security-relevant fields of src/k8s/security-fields.ts.
 *
 * Each live workload a manifest declares (same API group, kind, namespace and name; a manifest
 * without a namespace is in `default`, where kubectl puts it) becomes one `kshield.io/v1
 * DesiredState` object holding both (see src/rules/drift/drift-from-desired.ts), which the normal
 * engine judges with the rule `drift-from-desired`: suppressions, exemptions, severity overrides
 * and fingerprints work as for any finding. The object's file and positions are the manifest's, so
 * a finding points at the declared field (file:line); its message names the live object and the
 * live field.
 *
 *   const { resources } = await loadDesired(['deploy/']);
 *   const findings = desiredDrift(resources, liveObjects);      // kshield watch: one object or a list
 *   scan.addResources(desiredStates(resources, liveObjects));  // kshield cluster: inside its scan
 */
import type { Finding, JsonObject, Resource } from '../core/types.js';
import type { RuleSettings } from '../engine/rule.js';
import { evaluate } from '../engine/engine.js';
import { loadPaths, resourcesFromObjects, type LoadResult } from '../sources/files.js';
import { podSpecs } from '../k8s/pods.js';
import { isClusterScoped } from '../k8s/scope.js';
import { rules as catalogue } from '../rules/index.js';
import { DESIRED_STATE_KIND, driftFromDesired } from '../rules/drift/drift-from-desired.js';

const DEFAULT_NAMESPACE = 'default';

/** The API group of an apiVersion ("" for the core group): versions of one group are one object. */
function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/** What identifies an object across a manifest and the cluster: group, kind, namespace, name. */
export function desiredKey(ref: { apiVersion: string; kind: string; namespace?: string; name: string }): string {
  const namespace = isClusterScoped(ref.apiVersion, ref.kind) ? '' : ref.namespace || DEFAULT_NAMESPACE;
  return `${groupOf(ref.apiVersion)}\u0000${ref.kind}\u0000${namespace}\u0000${ref.name}`;
}

/** The same key for a live object as the API returns it (JSON, no Resource yet). */
export function desiredKeyOfObject(object: JsonObject): string | undefined {
  const meta = object.metadata as JsonObject | undefined;
  const { apiVersion, kind } = object;
  const name = meta?.name;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || typeof name !== 'string') return undefined;
  return desiredKey({ apiVersion, kind, name, namespace: typeof meta?.namespace === 'string' ? meta.namespace : undefined });
}

/** The manifests' workloads (objects holding pod specs) by key; the first of two declarations wins. */
export function desiredWorkloads(desired: readonly Resource[]): Map<string, Resource> {
  const out = new Map<string, Resource>();
  for (const r of desired) {
    if (podSpecs(r).length === 0) continue;
    const key = desiredKey(r);
    if (!out.has(key)) out.set(key, r);
  }
  return out;
}

/**
 * The DesiredState objects for the live objects a manifest declares, in the order of `live`.
 * `liveSource` names where the live objects come from in messages ("cluster:prod"); default each
 * live Resource's file. Added to a run's objects, these pairs also keep drift-from-last-applied
 * from reporting again, against the last apply, what drift-from-desired reports against the manifest.
 */
export function desiredStates(desired: readonly Resource[] | ReadonlyMap<string, Resource>, live: LiveInput, liveSource?: string): Resource[] {
  const declared = desired instanceof Map ? desired : desiredWorkloads(desired as readonly Resource[]);
  const out: Resource[] = [];
  for (const l of liveResources(live, liveSource)) {
    const manifest = declared.get(desiredKey(l));
    if (!manifest) continue;
    const namespace = isClusterScoped(l.apiVersion, l.kind) ? undefined : l.namespace || DEFAULT_NAMESPACE;
    const name = `${l.kind}.${l.name}`;
    const object: JsonObject = {
      apiVersion: 'kshield.io/v1',
      kind: DESIRED_STATE_KIND,
      metadata: { name, ...(namespace ? { namespace } : {}) },
      source: { desired: manifest.file, live: liveSource ?? l.file },
      desired: manifest.object,
      live: l.object,
    };
    out.push({
      apiVersion: 'kshield.io/v1',
      kind: DESIRED_STATE_KIND,
      name,
      namespace,
      object,
      file: manifest.file,
      documentIndex: manifest.documentIndex,
      basePath: manifest.basePath,
      // Positions under /desired are the manifest's; anything else is the manifest object's start.
      locate: (path) => manifest.locate(path === '/desired' || path.startsWith('/desired/') ? path.slice('/desired'.length) : ''),
    });
  }
  return out;
}

/** Live objects: Resources (as a cluster source yields them), or one object as a watch event carries it. */
export type LiveInput = readonly Resource[] | Resource | JsonObject;

function isResource(value: Resource | JsonObject): value is Resource {
  return typeof (value as Resource).locate === 'function' && typeof (value as Resource).object === 'object';
}

function liveResources(live: LiveInput, liveSource: string | undefined): readonly Resource[] {
  if (Array.isArray(live)) return live as readonly Resource[];
  const one = live as Resource | JsonObject;
  return isResource(one) ? [one] : resourcesFromObjects([one], liveSource ?? 'cluster').resources;
}

export interface DesiredDriftOptions {
  /** Rule settings (merged over the defaults). */
  settings?: Partial<RuleSettings>;
  /** Where the live objects come from, for messages (default: each live Resource's file). */
  liveSource?: string;
}

/**
 * The `drift-from-desired` findings of `live` (one object, as `kshield watch` sees a change, or
 * many) against the manifests in `desired`: one finding per security-relevant field in which a
 * live workload is weaker than its manifest, at the manifest's file and line, sorted as the engine
 * sorts findings. Objects no manifest declares, and manifests with no live object, give nothing.
 */
export function desiredDrift(desired: readonly Resource[], live: LiveInput, options: DesiredDriftOptions = {}): Finding[] {
  const states = desiredStates(desired, live, options.liveSource);
  if (states.length === 0) return [];
  return evaluate(states, { rules: [driftFromDesired], catalogue, settings: options.settings }).findings;
}

/** Reads the manifests of `--desired` with the file sources `kshield scan` uses (kustomizations and charts rendered). */
export function loadDesired(paths: string[]): Promise<LoadResult> {
  return loadPaths(paths);
}
