/** Helpers the drift rules share: reading an ObjectChange, judging the objects it carries, example builders. */
import type { JsonObject, Resource } from '../../core/types.js';
import { asObject, asString, isObject } from '../../core/values.js';
import { OBJECT_CHANGE_API_VERSION, OBJECT_CHANGE_KIND, type ObjectChangeType } from '../../k8s/object-change.js';
import { dedent, indent } from '../examples.js';

export const DRIFT_TAGS = ['drift', 'runtime'];

export interface ChangeView {
  type: ObjectChangeType;
  target: { apiVersion: string; kind: string; namespace?: string; name: string };
  before?: JsonObject;
  after?: JsonObject;
}

/** The change an ObjectChange object carries; undefined for any other object or a malformed one. */
export function changeOf(resource: Resource): ChangeView | undefined {
  if (resource.kind !== OBJECT_CHANGE_KIND || resource.apiVersion !== OBJECT_CHANGE_API_VERSION) return undefined;
  const change = asObject(resource.object.change);
  const type = asString(change?.type);
  const target = asObject(change?.target);
  if (!change || !target || (type !== 'Added' && type !== 'Modified' && type !== 'Deleted')) return undefined;
  const apiVersion = asString(target.apiVersion);
  const kind = asString(target.kind);
  const name = asString(target.name);
  if (!apiVersion || !kind || !name) return undefined;
  const namespace = asString(target.namespace);
  return {
    type,
    target: { apiVersion, kind, name, ...(namespace ? { namespace } : {}) },
    before: isObject(change.before) ? change.before : undefined,
    after: isObject(change.after) ? change.after : undefined,
  };
}

/** The API group of an apiVersion ("" for the core group). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/**
 * The object an ObjectChange carries (`side` = before or after) as a Resource of its own, whose
 * positions are those of the ObjectChange: rules written for live objects can judge it, and their
 * paths become `/change/<side>` + path.
 */
export function embedded(resource: Resource, change: ChangeView, side: 'before' | 'after'): Resource | undefined {
  const object = change[side];
  if (!object) return undefined;
  const prefix = `/change/${side}`;
  return {
    apiVersion: asString(object.apiVersion) ?? change.target.apiVersion,
    kind: asString(object.kind) ?? change.target.kind,
    namespace: change.target.namespace,
    name: change.target.name,
    object,
    file: resource.file,
    documentIndex: resource.documentIndex,
    basePath: resource.basePath,
    locate: (path) => resource.locate(prefix + path),
  };
}

/**
 * Whether an object came from the API server (it has a uid or a creationTimestamp, which only the
 * server sets): rules about live state stay silent on manifests, where the same shape means something else.
 */
export function isLiveObject(object: JsonObject): boolean {
  const meta = asObject(object.metadata);
  return typeof meta?.uid === 'string' || typeof meta?.creationTimestamp === 'string';
}

/** `Kind namespace/name` or `Kind name`, for messages. */
export function describeTarget(target: ChangeView['target']): string {
  return `${target.kind} ${target.namespace ? `${target.namespace}/` : ''}${target.name}`;
}

/**
 * An ObjectChange as a manifest, for examples: `before` and `after` are YAML mappings (dedented),
 * given for Modified, `before` alone for Deleted, `after` alone for Added.
 */
export function objectChangeExample(
  type: ObjectChangeType,
  target: { apiVersion: string; kind: string; namespace?: string; name: string },
  objects: { before?: string; after?: string },
): string {
  const ns = target.namespace ? `\n  namespace: ${target.namespace}` : '';
  const targetNs = target.namespace ? `, namespace: ${target.namespace}` : '';
  const side = (key: 'before' | 'after'): string => (objects[key] ? `  ${key}:\n${indent(dedent(objects[key]!), 4)}\n` : '');
  return (
    `apiVersion: kshield.io/v1\nkind: ObjectChange\nmetadata:\n  name: ${target.kind}.${target.name}${ns}\nchange:\n  type: ${type}\n` +
    `  target: {apiVersion: ${target.apiVersion}, kind: ${target.kind}${targetNs}, name: ${target.name}}\n` +
    side('before') +
    side('after') +
    `  observedAt: "2026-12-05T08:00:00.000Z"\n`
  );
}
