/**
 * What `kshield watch` keeps of each live object, and the index it keeps them in.
 *
 * Kept: the object as the rules see it, minus what no rule reads and what must not linger in
 * memory: `metadata.managedFields` (often a third of an object's JSON), and the values of
 * ConfigMaps and Secrets (keys stay, values become ""): rules judge a ConfigMap's or a Secret's
 * own values when that object changes, from the event's copy, and never read another object's
 * values (see contextView in engine/engine.ts). kubectl's last-applied annotation on a Secret holds
 * its values again and is dropped. Everything else stays: drift rules compare a change's `before`
 * with its `after`, and the before is what is kept here.
 *
 * Each kept object is held as a `Resource` (what the engine judges), made once when it arrives.
 */
import type { JsonObject, Resource } from '../../core/types.js';
import { isObject } from '../../core/values.js';
import { resourcesFromObjects } from '../../sources/files.js';

const PAYLOAD_FIELDS = ['data', 'stringData', 'binaryData'];
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** The group of an apiVersion ("" for the core API). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/** An object's identity across versions of its API: group, kind, namespace, name. */
export function objectKey(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  return `${groupOf(apiVersion)}/${kind}/${namespace ?? ''}/${name}`;
}

export function metadataOf(object: JsonObject): JsonObject {
  return isObject(object.metadata) ? object.metadata : {};
}

/** The object without managedFields, and without the values of a ConfigMap or Secret. */
export function slim(object: JsonObject): JsonObject {
  const meta = metadataOf(object);
  const out: JsonObject = { ...object };
  const m: JsonObject = { ...meta };
  delete m.managedFields;
  const payload = (object.kind === 'Secret' || object.kind === 'ConfigMap') && object.apiVersion === 'v1';
  if (object.kind === 'Secret' && isObject(m.annotations) && LAST_APPLIED in m.annotations) {
    const annotations = { ...m.annotations };
    delete annotations[LAST_APPLIED];
    m.annotations = annotations;
  }
  out.metadata = m;
  if (payload) {
    for (const field of PAYLOAD_FIELDS) {
      const value = out[field];
      if (isObject(value)) out[field] = Object.fromEntries(Object.keys(value).map((k) => [k, '']));
    }
  }
  return out;
}

const NOWHERE = (): { line: number; column: number } => ({ line: 0, column: 0 });

/** The object (already slimmed or not) as the Resource the engine judges; undefined when it is not one. */
export function toResource(object: JsonObject, file: string): Resource | undefined {
  const loaded = resourcesFromObjects([object], file, { shapeChecks: false });
  const r = loaded.resources[0];
  if (!r) return undefined;
  // One shared function instead of a closure per object: live objects have no positions.
  r.locate = NOWHERE;
  return r;
}

export interface StoredObject {
  key: string;
  resource: Resource;
  uid?: string;
  resourceVersion?: string;
}

/**
 * Every watched object, by key, with an index of uids (to tell which objects a listed controller
 * owns) and a bound: past `maxObjects` new objects are judged when they arrive but not kept, and
 * `overflowed` counts them (a metric and a warning say the cross-object rules no longer see everything).
 */
export class ObjectStore {
  private readonly byKey = new Map<string, StoredObject>();
  private readonly uids = new Set<string>();
  private readonly perKind = new Map<string, number>();
  overflowed = 0;

  constructor(private readonly maxObjects: number) {}

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): StoredObject | undefined {
    return this.byKey.get(key);
  }

  hasUid(uid: string): boolean {
    return this.uids.has(uid);
  }

  /** Keeps `stored` (replacing what the key held); false when the bound refused a new key. */
  put(stored: StoredObject): boolean {
    const old = this.byKey.get(stored.key);
    if (!old && this.byKey.size >= this.maxObjects) {
      this.overflowed++;
      return false;
    }
    if (old?.uid && old.uid !== stored.uid) this.uids.delete(old.uid);
    if (stored.uid) this.uids.add(stored.uid);
    if (!old) this.perKind.set(stored.resource.kind, (this.perKind.get(stored.resource.kind) ?? 0) + 1);
    this.byKey.set(stored.key, stored);
    return true;
  }

  delete(key: string): StoredObject | undefined {
    const old = this.byKey.get(key);
    if (!old) return undefined;
    this.byKey.delete(key);
    if (old.uid) this.uids.delete(old.uid);
    this.perKind.set(old.resource.kind, (this.perKind.get(old.resource.kind) ?? 1) - 1);
    return old;
  }

  values(): IterableIterator<StoredObject> {
    return this.byKey.values();
  }

  /** Keys of one kind (group/kind), for a relist's comparison. */
  keysOf(group: string, kind: string): string[] {
    const prefix = `${group}/${kind}/`;
    const out: string[] = [];
    for (const key of this.byKey.keys()) if (key.startsWith(prefix)) out.push(key);
    return out;
  }

  countsByKind(): ReadonlyMap<string, number> {
    return this.perKind;
  }
}
