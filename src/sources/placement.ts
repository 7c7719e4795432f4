/**
 * Where namespaced objects without metadata.namespace are analysed: `kubectl apply -n NS` semantics.
 *
 * kubectl (cli-runtime's RequireNamespace visitor, used by `apply -n`) puts every namespaced object
 * that names no namespace in NS, leaves cluster-scoped objects alone, and refuses an object whose
 * own namespace differs from NS ("the namespace from the provided object ... does not match the
 * namespace ..."), applying the others. kshield does the same with `--namespace NS` (scan) or
 * `--apply-namespace NS` (every command that reads manifests): such objects get NS as their
 * namespace, so fingerprints, RBAC (a RoleBinding binds in NS, and its ServiceAccount subjects
 * without a namespace are in NS, as the RBAC authorizer reads them), NetworkPolicy selection and
 * Service selectors all see them in NS. A mismatch is an input error at the object's
 * metadata.namespace line; the object is still analysed, in the namespace it states.
 *
 * Without the option nothing is changed: such objects keep no namespace (their fingerprints do not
 * move), the analyses read them as in "default", and one note says how many there were.
 *
 * Which kinds are namespaced: core/scope.ts, with the CustomResourceDefinitions of the whole input.
 * Those are collected before the files are loaded (crdScopesOfFiles), so every thread of a
 * parallel scan places objects the same way.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { InputError, Note, Resource } from '../core/types.js';
import { customKindKey, isClientSideObject, isClusterScoped, type CustomKindScopes } from '../k8s/scope.js';
import { fieldAt, isObject, asString } from '../core/values.js';
import { parseYamlValues, splitDocuments } from './yaml.js';
import { inputKindOf } from './input-kinds.js';

export interface PlacementOptions {
  /** Where namespaced objects without a namespace will be applied; undefined: they are analysed in "default". */
  namespace?: string;
  /** How the option is spelled on the command line, for messages ("--namespace", "--apply-namespace"). */
  flag: string;
  /** Scopes declared by the CustomResourceDefinitions of the whole input. */
  crdScopes?: CustomKindScopes;
}

/** Namespaced objects left without a namespace (no option given): how many, and the first one. */
export interface Unplaced {
  count: number;
  file: string;
  line?: number;
}

export const DEFAULT_NAMESPACE = 'default';

type Scopes = Record<string, 'Namespaced' | 'Cluster'>;

/** Records the scope a CustomResourceDefinition declares (the first CRD of a kind wins, as in the scan). */
function addCrdScope(scopes: Scopes, apiVersion: unknown, kind: unknown, object: unknown): void {
  if (kind !== 'CustomResourceDefinition' || typeof apiVersion !== 'string' || !apiVersion.startsWith('apiextensions.k8s.io/')) return;
  const group = asString(fieldAt(object, 'spec', 'group'));
  const crKind = asString(fieldAt(object, 'spec', 'names', 'kind'));
  const scope = fieldAt(object, 'spec', 'scope');
  if (group === undefined || !crKind || (scope !== 'Namespaced' && scope !== 'Cluster')) return;
  scopes[customKindKey(group, crKind)] ??= scope;
}

/** `group/Kind` -> scope for every CustomResourceDefinition among these objects. */
function crdScopesOf(resources: readonly Resource[]): Scopes {
  const scopes: Scopes = {};
  for (const r of resources) addCrdScope(scopes, r.apiVersion, r.kind, r.object);
  return scopes;
}

/** CRDs among parsed documents, List items included (as deep as the loader goes). */
function crdScopesOfValues(values: readonly unknown[], scopes: Scopes, depth = 0): void {
  for (const v of values) {
    if (!isObject(v)) continue;
    addCrdScope(scopes, v.apiVersion, v.kind, v);
    if (typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items) && depth < 5) crdScopesOfValues(v.items, scopes, depth + 1);
  }
}

/**
 * The scopes declared by CRDs in these files, read before the scan proper. Only files whose bytes
 * contain "CustomResourceDefinition" are parsed, without positions; unreadable, oversized or
 * malformed files are skipped here (the scan reports them, and a file's own CRDs still count for
 * it). Standard input cannot be read twice: its CRDs are taken from itself.
 */
export function crdScopesOfFiles(files: readonly string[], maxFileBytes: number): Scopes {
  const scopes: Scopes = {};
  const marker = Buffer.from('CustomResourceDefinition');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  // One buffer, grown to the largest file, for every read: most files are only searched for the
  // marker, and a fresh buffer per file left tens of megabytes of freed memory in the process.
  let buffer = Buffer.alloc(0);
  for (const file of files) {
    if (file === '-' || inputKindOf(file) === 'dockerfile') continue;
    let bytes: Buffer;
    let fd: number | undefined;
    try {
      const stat = statSync(file);
      if (!stat.isFile() || stat.size > maxFileBytes) continue;
      if (buffer.length < stat.size) buffer = Buffer.alloc(Math.max(stat.size, buffer.length * 2, 64 * 1024));
      fd = openSync(file, 'r');
      let size = 0;
      for (let n = -1; n !== 0 && size < stat.size; size += n) n = readSync(fd, buffer, size, stat.size - size, size);
      bytes = buffer.subarray(0, size);
    } catch {
      continue;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    if (bytes.indexOf(marker) === -1 || bytes.indexOf(0) !== -1) continue;
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      continue;
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    for (const chunk of splitDocuments(text)) {
      if (!chunk.text.includes('CustomResourceDefinition')) continue;
      // Most of a CRD is its schema: read the few fields needed from a skeleton of the document,
      // and parse the whole document only when the skeleton does not give them.
      const skeleton = crdSkeleton(chunk.text);
      const fromSkeleton: Scopes = {};
      if (skeleton !== undefined) crdScopesOfValues(parseYamlValues(skeleton) ?? [], fromSkeleton);
      if (Object.keys(fromSkeleton).length === 1) {
        for (const [key, scope] of Object.entries(fromSkeleton)) scopes[key] ??= scope;
      } else crdScopesOfValues(parseYamlValues(chunk.text) ?? [], scopes);
    }
  }
  return scopes;
}

function indentOf(line: string): number {
  let i = 0;
  while (line.charCodeAt(i) === 0x20) i++;
  return i;
}

function isBlank(line: string): boolean {
  return line.trim() === '';
}

/** Keeps the line at `i` and the block under it (blank lines and lines indented deeper than `indent`). */
function keepBlock(lines: string[], i: number, indent: number, out: string[]): number {
  out.push(lines[i++]);
  while (i < lines.length && (isBlank(lines[i]) || indentOf(lines[i]) > indent)) out.push(lines[i++]);
  return i;
}

/**
 * The lines of a block-style CRD document that hold `apiVersion`, `kind`, `spec.group`,
 * `spec.names` and `spec.scope`, each with its whole block: YAML block mappings nest by
 * indentation, so those blocks parse to what they are in the full document. Anything unusual
 * (content on the `---` line, quoted keys, merge keys, aliases into dropped parts) leaves a
 * skeleton without all five fields, or one that does not parse, and the caller parses it all.
 */
export function crdSkeleton(doc: string): string | undefined {
  const lines = doc.split('\n');
  const out: string[] = [];
  let i = 0;
  if (/^---/.test(lines[0] ?? '')) {
    const rest = lines[0].slice(3).trim();
    if (rest !== '' && !rest.startsWith('#')) return undefined;
    i = 1;
  }
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line) || line.startsWith('#') || indentOf(line) > 0) {
      i++;
      continue;
    }
    if (/^(apiVersion|kind)\s*:/.test(line)) {
      i = keepBlock(lines, i, 0, out);
      continue;
    }
    if (!/^spec\s*:\s*(#.*)?\r?$/.test(line)) {
      i++;
      continue;
    }
    out.push(line);
    i++;
    let childIndent = -1;
    while (i < lines.length) {
      const child = lines[i];
      if (isBlank(child) || child.trimStart().startsWith('#')) {
        i++;
        continue;
      }
      const indent = indentOf(child);
      if (indent === 0) break;
      if (childIndent === -1) childIndent = indent;
      if (indent === childIndent && /^\s*(group|scope|names)\s*:/.test(child)) i = keepBlock(lines, i, childIndent, out);
      else i++;
    }
  }
  return out.join('\n');
}

/**
 * Places the namespaced objects of one file that name no namespace (see the file comment).
 * Mismatches become errors; without a namespace to place them in, they are counted.
 */
export function placeNamespaces(resources: readonly Resource[], errors: InputError[], options: PlacementOptions): Unplaced | undefined {
  let scopes: CustomKindScopes | undefined = options.crdScopes;
  // CRDs of this very file (standard input, or a scan without the pre-pass) count too.
  if (resources.some((r) => r.kind === 'CustomResourceDefinition')) scopes = { ...crdScopesOf(resources), ...options.crdScopes };
  let unplaced: Unplaced | undefined;
  for (const r of resources) {
    const clusterScoped = isClusterScoped(r.apiVersion, r.kind, scopes);
    // Recorded only where a CRD of the input overrules the kind-based rule, which rules otherwise
    // apply themselves: one more property on every object costs memory in large scans.
    if (scopes && clusterScoped !== isClusterScoped(r.apiVersion, r.kind)) r.clusterScoped = clusterScoped;
    if (clusterScoped || isClientSideObject(r.apiVersion, r.kind)) continue;
    // An empty namespace is no namespace, for kubectl and for the API server.
    if (r.namespace === '') r.namespace = undefined;
    const own = r.namespace;
    if (own === undefined) {
      if (options.namespace !== undefined) r.namespace = options.namespace;
      else if (unplaced) unplaced.count++;
      else unplaced = { count: 1, file: r.file, line: r.locate('').line || undefined };
    } else if (options.namespace !== undefined && own !== options.namespace) {
      errors.push({
        file: r.file,
        line: r.locate('/metadata/namespace').line || undefined,
        message: `${r.kind} ${r.name}: metadata.namespace is "${own}", not "${options.namespace}" (${options.flag}): kubectl apply -n ${options.namespace} refuses an object whose namespace does not match; analysed in "${own}"`,
      });
    }
  }
  return unplaced;
}

/** Adds up the counts of several files or threads, keeping the first object in input order. */
export function addUnplaced(into: Unplaced | undefined, more: Unplaced | undefined): Unplaced | undefined {
  if (!more) return into;
  if (!into) return { ...more };
  into.count += more.count;
  return into;
}

/** The one note of a run whose namespaced objects had no namespace and no option placed them. */
export function unplacedNote(unplaced: Unplaced | undefined, flag: string): Note | undefined {
  if (!unplaced || unplaced.count === 0) return undefined;
  const n = unplaced.count;
  return {
    file: unplaced.file,
    line: unplaced.line,
    message:
      `${n} namespaced object${n === 1 ? '' : 's'} had no namespace and ${n === 1 ? 'was' : 'were'} analysed in "${DEFAULT_NAMESPACE}", ` +
      `where kubectl apply without -n puts them when the kubeconfig context names no namespace; use ${flag} NS to say where they will be applied`,
  };
}

/** The note as one line of text, for answers that hold notes as plain strings. */
export function noteText(note: Note): string {
  const at = note.line ? `${note.file}:${note.line}` : note.file;
  return `${note.message} (the first: ${at})`;
}
