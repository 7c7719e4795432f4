/**
 * `kshield rbac who-can | access | paths`: RBAC questions answered over the same inputs as
 * `kshield scan`. Input errors are printed to standard error and make the exit code 2, after
 * printing whatever could be analysed.
 */
import type { LoadResult } from '../sources/files.js';
import { ResourceSet } from '../k8s/resource-set.js';
import { loadAnalysisInput, type AnalysisInputOptions } from './analysis-input.js';
import {
  RbacModel,
  SubjectSyntaxError,
  describeBinding,
  describeRole,
  describeScope,
  rulePointer,
  parseSubjectSpec,
  subjectSpec,
  type AccessRequest,
  type Permit,
  type RuleRef,
} from '../analysis/rbac.js';
import { resourceInfo } from '../analysis/rbac-resources.js';
import { buildEscalationGraph } from '../analysis/rbac-paths.js';
import { renderPathsDot, renderPathsJson, renderPathsMermaid, renderPathsTable } from '../report/rbac-graph.js';
import { renderRbacPathsHtml } from '../report/html/index.js';
import { formatInputError, formatLocation, formatNote } from '../report/describe.js';
import { sanitize, wrap } from '../core/text.js';
import { UsageError, EXIT } from '../core/errors.js';
import { singleFormatError, writeOutput } from './output.js';
import { loadConfigOption } from './scan.js';
import { suggest } from '../core/suggest.js';

export interface RbacCommonOptions extends AnalysisInputOptions {
  output: string;
}

async function load(paths: string[], opts: RbacCommonOptions): Promise<{ loaded: LoadResult; set: ResourceSet }> {
  const loaded = await loadAnalysisInput(paths, opts);
  return { loaded, set: new ResourceSet(loaded.resources) };
}

function finish(loaded: LoadResult): number {
  if (loaded.namespaceNote) process.stderr.write(`${formatNote(loaded.namespaceNote)}\n`);
  for (const e of loaded.errors) process.stderr.write(`${formatInputError(e)}\n`);
  return loaded.errors.length > 0 ? EXIT.usage : EXIT.clean;
}

function checkFormat(format: string, allowed: string[]): void {
  if (!allowed.includes(format)) throw singleFormatError(format, allowed);
}

/**
 * Left-aligned columns, two spaces apart. A cell may hold several lines (wrapped lists): the row
 * then takes as many lines. Cells are sanitized because names come from the manifests.
 */
export function columns(header: string[], rows: string[][]): string {
  const cells = [header, ...rows].map((r) => r.map((c) => c.split('\n').map(sanitize)));
  const widths = header.map((_, i) => cells.reduce((w, r) => (r[i] ?? ['']).reduce((v, l) => Math.max(v, l.length), w), 0));
  const out: string[] = [];
  for (const row of cells) {
    const height = Math.max(...row.map((c) => c.length));
    for (let line = 0; line < height; line++)
      out.push(row.map((c, i) => (i === row.length - 1 ? (c[line] ?? '') : (c[line] ?? '').padEnd(widths[i]))).join('  ').trimEnd());
  }
  return out.join('\n');
}

/** A comma-separated list wrapped to lines of about `width` characters. */
function wrapList(items: string[], width = 48): string {
  return wrap(items.join(', '), width).join('\n');
}

/** "ClusterRole edit (built-in) rule 3", or for a scanned role "Role ci/x rule 1 (rbac.yaml:12)", the line where that rule starts. */
function ruleText(ref: RuleRef): string {
  const text = `${describeRole(ref.role)} rule ${ref.index + 1}`;
  const resource = ref.role.resource;
  if (!resource) return text;
  return `${text} (${formatLocation(resource.file, resource.locate(rulePointer(ref.index)).line)})`;
}

// Namespace names are DNS-1123 labels; resources and subresources are lowercase words of the same
// form (CRD plurals must be), API groups DNS-1123 subdomains.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** -n NS: a namespace a request could be made in. */
function checkNamespace(namespace: string | undefined): void {
  if (namespace === undefined) return;
  if (namespace.length > 63 || !DNS_LABEL.test(namespace))
    throw new UsageError(`-n: "${namespace}" is not a namespace name (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)`);
}

// ---------------------------------------------------------------------------------------------
// who-can

/** The verbs of resource requests (https://kubernetes.io/docs/reference/access-authn-authz/authorization/#determine-the-request-verb). */
const RESOURCE_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
/** Verbs the API server checks on particular resources: PodSecurityPolicy use, role bind and escalate, impersonation, CSR approve and sign, ClusterTrustBundle attest. */
const SPECIAL_VERBS = ['use', 'bind', 'escalate', 'impersonate', 'approve', 'sign', 'attest'];
/** HTTP methods that are not themselves resource verbs, and the verbs their resource requests carry. */
const HTTP_METHOD_VERB: Record<string, string> = { post: '"create"', put: '"update"', head: '"get", "list" or "watch", as for GET' };
/** A non-resource request's verb is its HTTP method in lower case. */
const NON_RESOURCE_VERBS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

/** The candidate closest to `word` (case aside), if it is near enough to be a misspelling of it (the shared suggester). */
function nearestWord(word: string, candidates: readonly string[]): string | undefined {
  return suggest(word, candidates, { limit: 1 })[0];
}

/**
 * A note when VERB is none the API server uses for this kind of request. Not an error: aggregated
 * API servers and webhooks may authorize verbs of their own, which rules grant by name or by "*".
 */
function verbNote(verb: string, nonResource: boolean): string | undefined {
  const known = nonResource ? NON_RESOURCE_VERBS : [...RESOURCE_VERBS, ...SPECIAL_VERBS];
  if (known.includes(verb)) return undefined;
  // The right word for the other kind of request: say what it is, not what it looks like.
  if (!nonResource && HTTP_METHOD_VERB[verb.toLowerCase()])
    return `"${verb}" is an HTTP method: a resource request's verb is ${HTTP_METHOD_VERB[verb.toLowerCase()]}; only rules listing "${verb}" or "*" grant it`;
  if (nonResource && [...RESOURCE_VERBS, ...SPECIAL_VERBS].includes(verb.toLowerCase()))
    return `"${verb}" is a verb of resource requests: a non-resource URL's verb is the HTTP method in lower case (${NON_RESOURCE_VERBS.join(', ')}); only rules listing "${verb}" or "*" grant it`;
  const near = nearestWord(verb, known);
  const what = nonResource ? 'a non-resource request (the HTTP method in lower case)' : 'a resource request';
  return `"${verb}" is not a verb the API server uses for ${what}: only rules listing "${verb}" or "*" grant it${near ? `; did you mean "${near}"?` : ` (verbs: ${known.join(', ')})`}`;
}

export interface WhoCanOptions extends RbacCommonOptions {
  namespace?: string;
  subresource?: string;
  name?: string;
}

/** `pods`, `pods/exec`, `deployments.apps`, `deployments.apps/scale`, `/healthz`. */
function parseResourceArgument(
  verb: string,
  arg: string,
  opts: { namespace?: string; subresource?: string; name?: string },
  set: ResourceSet,
): { request: AccessRequest; namespaced: boolean; notes: string[] } {
  const notes: string[] = [];
  if (arg.startsWith('/')) {
    if (opts.namespace !== undefined || opts.subresource !== undefined || opts.name !== undefined) throw new UsageError(`"${arg}" is a non-resource URL: -n, --subresource and --name do not apply`);
    if (/\s/.test(arg)) throw new UsageError(`cannot read the non-resource URL "${arg}": it contains white space`);
    const note = verbNote(verb, true);
    if (note) notes.push(note);
    return { request: { verb, path: arg }, namespaced: false, notes };
  }
  const note = verbNote(verb, false);
  if (note) notes.push(note);
  const expected = 'expected RESOURCE[.GROUP][/SUBRESOURCE], e.g. pods, deployments.apps, pods/exec';
  const bad = (problem: string): UsageError => new UsageError(`cannot read the resource "${arg}": ${problem}; ${expected}`);
  const slash = arg.indexOf('/');
  let resourcePart = slash >= 0 ? arg.slice(0, slash) : arg;
  let subresource = slash >= 0 ? arg.slice(slash + 1).toLowerCase() : undefined;
  if (subresource === '') throw bad('the subresource after "/" is empty');
  if (subresource?.includes('/')) throw bad('only one subresource can follow the resource');
  if (opts.subresource !== undefined) {
    if (subresource !== undefined && subresource !== opts.subresource.toLowerCase()) throw new UsageError(`the subresource is given twice: "${arg}" and --subresource ${opts.subresource}`);
    subresource = opts.subresource.toLowerCase();
    if (!DNS_LABEL.test(subresource)) throw new UsageError(`--subresource: "${opts.subresource}" is not a subresource name (e.g. exec, log, scale, status)`);
  }
  let group: string | undefined;
  const dot = resourcePart.indexOf('.');
  if (dot >= 0) {
    group = resourcePart.slice(dot + 1).toLowerCase();
    resourcePart = resourcePart.slice(0, dot);
  }
  const resource = resourcePart.toLowerCase();
  if (!resource) throw bad(group !== undefined ? `the resource name before ".${group}" is empty` : 'the resource name is empty');
  if (!DNS_LABEL.test(resource)) throw bad(`"${resourcePart}" is not a resource name (lowercase letters, digits and '-', such as pods or cronjobs)`);
  if (group !== undefined && (group.length > 253 || !DNS_SUBDOMAIN.test(group))) throw bad(group ? `"${group}" is not an API group name (such as apps or cert-manager.io)` : 'the API group after "." is empty');
  if (subresource !== undefined && !DNS_LABEL.test(subresource)) throw bad(`"${subresource}" is not a subresource name (such as exec, log, scale or status)`);
  if (opts.name === '') throw new UsageError('--name: the object name is empty');
  const info = resourceInfo(resource, group, set);
  if (!info) {
    if (group === undefined) notes.push(`"${resource}" is not a built-in resource or a scanned CRD: assuming the core API group and a namespaced resource (write ${resource}.GROUP to name its group)`);
    else notes.push(`"${resource}.${group}" is not a built-in resource or a scanned CRD: assuming it is namespaced`);
  }
  const namespaced = info?.namespaced ?? true;
  if (!namespaced && opts.namespace) notes.push(`${resource} is cluster-scoped: -n ${opts.namespace} is ignored, and only ClusterRoleBindings can grant it`);
  // The name of an object being created is not known when the request is authorized, and
  // deletecollection has none: resourceNames can never allow them.
  const nameApplies = !((verb === 'create' && subresource === undefined) || verb === 'deletecollection');
  if (opts.name && !nameApplies) notes.push(`--name is ignored: ${verb} requests carry no object name, so rules limited by resourceNames never allow them`);
  return {
    request: {
      verb,
      apiGroup: info?.group ?? group ?? '',
      resource,
      subresource,
      name: nameApplies ? opts.name : undefined,
      namespace: namespaced && opts.namespace ? opts.namespace : '',
    },
    namespaced,
    notes,
  };
}

interface WhoCanRow {
  subject: string;
  kind: string;
  scope: string;
  role: string;
  binding: string;
  rule: string;
  file: string;
}

export async function runWhoCan(verb: string, resourceArg: string, paths: string[], opts: WhoCanOptions): Promise<number> {
  checkFormat(opts.output, ['table', 'json']);
  if (!verb || /\s/.test(verb)) throw new UsageError(`"${verb}" is not a verb (get, list, create, update, patch, delete, ... or a custom verb)`);
  checkNamespace(opts.namespace);
  const { loaded, set } = await load(paths, opts);
  const { request, namespaced, notes } = parseResourceArgument(verb, resourceArg, opts, set);
  const model = RbacModel.of(set);
  const permits: Permit[] = model.whoCan(request, { anyNamespace: namespaced && !opts.namespace, namespaced });
  const rows: WhoCanRow[] = permits.map((p) => ({
    subject: subjectSpec(p.subject),
    kind: p.subject.kind,
    scope: describeScope(p.scope),
    role: describeRole(p.role, p.binding.roleRef),
    binding: describeBinding(p.binding),
    rule: ruleText(p.rule),
    file: p.binding.resource.file,
  }));
  rows.sort((a, b) => a.subject.localeCompare(b.subject) || a.scope.localeCompare(b.scope) || a.binding.localeCompare(b.binding));
  for (const n of notes) process.stderr.write(`note: ${n}\n`);
  const question = describeRequest(request);
  if (opts.output === 'json') {
    await writeOutput({ format: 'json' }, JSON.stringify({ request, allowed: rows, errors: loaded.errors }, null, 2));
  } else {
    const text =
      rows.length === 0
        ? `No subject in the scanned bindings can ${question}.`
        : `${columns(['SUBJECT', 'SCOPE', 'ROLE', 'BINDING'], rows.map((r) => [r.subject, r.scope, r.role, r.binding]))}\n\n${rows.length} grant(s) allow ${question}. Built-in bindings (system:masters is cluster-admin) are not listed.`;
    await writeOutput({ format: 'table' }, text);
  }
  return finish(loaded);
}

function describeRequest(request: AccessRequest): string {
  if (!('resource' in request)) return `${request.verb} ${request.path}`;
  const res = `${request.resource}${request.subresource ? `/${request.subresource}` : ''}${request.apiGroup ? ` (group ${request.apiGroup})` : ''}`;
  return `${request.verb} ${res}${request.name ? ` named ${request.name}` : ''}${request.namespace ? ` in namespace ${request.namespace}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// access

export async function runAccess(subjectArg: string, paths: string[], opts: RbacCommonOptions): Promise<number> {
  checkFormat(opts.output, ['table', 'json']);
  let parsed;
  try {
    parsed = parseSubjectSpec(subjectArg);
  } catch (err) {
    if (err instanceof SubjectSyntaxError) throw new UsageError(err.message);
    throw err;
  }
  const { loaded, set } = await load(paths, opts);
  const model = RbacModel.of(set);
  const grants = model.grantsFor(parsed.identity);
  const rows = grants.flatMap((g) => {
    const via = `${describeBinding(g.binding)} (as ${subjectSpec(g.subject)})`;
    if (!g.role) return [{ scope: describeScope(g.scope), apiGroups: [] as string[], resources: [] as string[], verbs: [] as string[], names: [] as string[], role: describeRole(g.role, g.binding.roleRef), via }];
    return model.rulesOf(g.role).map((ref) => {
      const r = ref.rule;
      const nonResource = r.nonResourceURLs.length > 0 && r.resources.length === 0;
      return {
        scope: describeScope(g.scope),
        apiGroups: nonResource ? [] : r.apiGroups,
        resources: nonResource ? r.nonResourceURLs : r.resources,
        verbs: r.verbs,
        names: r.resourceNames,
        role: describeRole(g.role, g.binding.roleRef),
        via,
      };
    });
  });
  if (opts.output === 'json') {
    await writeOutput({ format: 'json' }, JSON.stringify({ subject: parsed.label, identity: parsed.identity, permissions: rows, errors: loaded.errors }, null, 2));
  } else {
    const groups = parsed.identity.groups.length > 0 ? ` (groups: ${parsed.identity.groups.join(', ')})` : '';
    const header = `Effective permissions of ${parsed.label}${groups}:`;
    const text =
      rows.length === 0
        ? `${header}\nnone: no scanned binding grants anything to it or its groups.`
        : `${header}\n\n${columns(['SCOPE', 'API GROUPS', 'RESOURCES / URLS', 'VERBS', 'NAMES', 'ROLE', 'GRANTED BY'], rows.map((r) => [r.scope, wrapList(r.apiGroups.map((g) => (g === '' ? '""' : g)), 20), wrapList(r.resources), wrapList(r.verbs, 24), wrapList(r.names, 24), r.role, r.via]))}`;
    await writeOutput({ format: 'table' }, text);
  }
  return finish(loaded);
}

// ---------------------------------------------------------------------------------------------
// paths

export async function runPaths(paths: string[], opts: RbacCommonOptions & { config?: string }): Promise<number> {
  checkFormat(opts.output, ['table', 'json', 'dot', 'mermaid', 'html']);
  // The configuration's kubernetesVersion decides which verbs open an exec session; its
  // operatorWorkloads name more custom resources whose pods run as a service account.
  const config = await loadConfigOption(opts.config);
  const { loaded, set } = await load(paths, opts);
  const graph = buildEscalationGraph(set, { operatorWorkloads: config?.operatorWorkloads, kubernetesVersion: config?.kubernetesVersion?.replace(/^v/, '') });
  const renderHtml = (g: typeof graph): string => renderRbacPathsHtml(g, [`kshield rbac paths ${opts.cluster ? '--cluster' : paths.join(' ')}`]);
  const render = { table: renderPathsTable, json: renderPathsJson, dot: renderPathsDot, mermaid: renderPathsMermaid, html: renderHtml }[opts.output as 'table' | 'json' | 'dot' | 'mermaid' | 'html'];
  await writeOutput({ format: opts.output === 'json' ? 'json' : 'table' }, render(graph));
  return finish(loaded);
}
