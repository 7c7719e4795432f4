/** Shared contracts: every source yields Resources, every rule yields Violations, the engine turns them into Findings. */

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

const SEVERITY_RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };

export function severityRank(severity: Severity): number {
  return SEVERITY_RANK[severity];
}

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && value in SEVERITY_RANK;
}

/** A position in a source file; line and column are 1-based. */
export interface Position {
  line: number;
  column: number;
}

export interface ResourceRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** A plain JSON-like value as parsed from YAML or JSON. */
export type JsonObject = Record<string, unknown>;

/**
 * The apiVersion of the objects kshield makes from inputs that are not Kubernetes objects (a
 * Dockerfile is kind `Dockerfile`): only rules that name their kind in `appliesTo` judge them, and
 * no cross-object rule reads them unless it names the kind in `reads`.
 */
export const SOURCE_API_VERSION = 'kshield.io/v1';

/** Whether an object is one kshield made from a non-Kubernetes input (see SOURCE_API_VERSION). */
export function isSourceObject(ref: { apiVersion: string }): boolean {
  return ref.apiVersion === SOURCE_API_VERSION;
}

/** Suppressions written in an input's own comments (a Dockerfile's `# kshield.io/ignore:` lines). */
export interface InlineIgnore {
  /** Rule ids and tags ("*" and "all" for every rule). */
  words: ReadonlySet<string>;
  reason?: string;
}

export interface Resource extends ResourceRef {
  /** The parsed object, untouched. */
  object: JsonObject;
  /** File the object came from ("-" for stdin, "cluster" for live objects). */
  file: string;
  /** 0-based index of the YAML document in the file. */
  documentIndex: number;
  /** JSON Pointer of this object inside its document ("" unless it was an item of a List). */
  basePath: string;
  /** Resolves a JSON Pointer (relative to `object`) to the position of that field, or of its nearest existing parent. */
  locate(path: string): Position;
  /**
   * Whether the kind is cluster-scoped, set by the file loader where a CRD of the input decides
   * otherwise than core/scope.ts does from the kind alone (sources/placement.ts); absent otherwise.
   */
  clusterScoped?: boolean;
  /**
   * For inputs whose suppressions are comments rather than annotations: the suppressions that cover
   * a finding at `path` (a JSON Pointer relative to `object`), if any. The engine honours them as it
   * does `kshield.io/ignore` annotations (and `--no-inline-suppressions` turns both off).
   */
  inlineIgnores?(path: string): InlineIgnore | undefined;
  /**
   * For inputs whose pointers hold indexes that shift with every edit (a Dockerfile's instructions):
   * the path that fingerprints use instead, so that a baseline survives an instruction added above.
   */
  stablePath?(path: string): string;
}

/** What a rule reports: where (a JSON Pointer into the resource object) and what. */
export interface Violation {
  path: string;
  message: string;
  /** Name of the container concerned, so suppressions can target one container. */
  container?: string;
  /**
   * What tells this finding apart from others of the same rule at the same field (the label that
   * is missing, say): part of its fingerprint, so baselines keep them apart.
   */
  key?: string;
  /**
   * This finding's severity when it differs from the rule's: one rule may report a cause it is
   * less sure of at a lower level (a selector that may match pods an operator creates). A severity
   * override in the configuration still wins.
   */
  severity?: Severity;
  /**
   * What the violation comes from, when other rules may report the same thing: a JSON Pointer
   * (relative to the object) to the field that is the cause (`/rules/0` for a wildcard RBAC rule,
   * `/spec/volumes/2` for a hostPath volume), or `#name` for a condition with no field of its own.
   * Findings of one object with the same cause are folded into one (see src/core/fold.ts).
   */
  cause?: string;
  /**
   * The vulnerability a finding is about, by every id it is known by (its id and aliases): what an
   * exemption's `vulnerabilities` list selects. Not kept on the finding.
   */
  advisories?: readonly string[];
  /**
   * Other places the finding concerns, in other files (the Dockerfile line that made an image's
   * layer, the manifest field that runs the image): shown beside it, never its position.
   */
  locations?: readonly OtherLocation[];
}

/** A place in another file a finding also concerns, with what is there. */
export interface OtherLocation {
  file: string;
  /** 1-based; 0 when unknown. */
  line: number;
  column?: number;
  /** What is at that place, in a few words ("Dockerfile instruction that made layer 2"). */
  what: string;
}

export interface Finding {
  rule: string;
  severity: Severity;
  message: string;
  resource: ResourceRef;
  file: string;
  line: number;
  column: number;
  /** JSON Pointer into the document (includes the List item prefix when the object came from a List). */
  path: string;
  remediation: string;
  suppressed: boolean;
  /** Why it is suppressed: "annotation", "comment" (a Dockerfile's), "exemption" or "baseline", with the reason given. */
  suppression?: { kind: 'annotation' | 'comment' | 'exemption' | 'baseline'; reason?: string; owner?: string };
  container?: string;
  /** Stable identity that survives line moves: used by baselines. */
  fingerprint: string;
  /** The violation's cause (with the List item prefix), when its rule names one: what folding groups by. */
  cause?: string;
  /**
   * Findings of the same object with the same cause, folded into this one (the most severe of
   * them). Each keeps its own rule, message, position and fingerprint; they share this finding's
   * object, file and suppression. Absent when nothing was folded.
   */
  related?: RelatedFinding[];
  /** Other places it concerns (see Violation.locations); absent when none. */
  locations?: OtherLocation[];
}

/** A finding folded into another one with the same cause (see Finding.related). */
export interface RelatedFinding {
  rule: string;
  severity: Severity;
  message: string;
  line: number;
  column: number;
  path: string;
  remediation: string;
  container?: string;
  fingerprint: string;
}

export interface InputError {
  file: string;
  line?: number;
  message: string;
}

export interface Note {
  file: string;
  line?: number;
  message: string;
}
