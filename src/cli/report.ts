/**
 * `kshield report --framework F [RESULT.json | PATH ...]`: one framework's controls judged from
 * kshield results (scan, cluster, node, probe, image JSON) and/or a scan this command runs of the
 * paths given; `kshield attest CONTROL ...`: record, list and revoke attested answers to manual
 * controls. See docs/report.md.
 */
import { promises as fs } from 'node:fs';
import { EXIT, UsageError } from '../core/errors.js';
import { sanitize } from '../core/text.js';
import { VERSION } from '../core/version.js';
import { assessCompliance, type Attestation, type ComplianceAssessment } from '../compliance/assess.js';
import {
  AttestationError,
  attestationValid,
  checkAttestationText,
  controlKey,
  parseExpiry,
  readAttestations,
  refuseAttestation,
  resolveControl,
  writeAttestations,
} from '../compliance/attestations.js';
import { loadFrameworks, type Framework } from '../compliance/frameworks.js';
import { isKubernetesJson, mergeResults, MAX_RESULT_FILE_BYTES, readResultFile, ResultFileError, resultFromJson, type ReadResult } from '../compliance/input.js';
import { FrameworkChoiceError, FRAMEWORK_NAMES, selectFramework } from '../compliance/select.js';
import { parseSize } from '../config/config-file.js';
import { scanFiles } from '../pipeline/scan-files.js';
import { renderComplianceCsv, renderComplianceMarkdown, renderComplianceTable, toComplianceJson } from '../report/compliance.js';
import { formatNote } from '../report/describe.js';
import { toJsonReport } from '../report/json.js';
import { frameworkLabel, renderHtmlReport } from '../report/html/index.js';
import { APPLY_NAMESPACE_FLAG, applyNamespaceOption, maxFileBytesOption } from './inputs.js';
import { parseOutputs, writeTargets } from './output.js';
import { loadConfigOption, pssVersionOption } from './scan.js';
import { REPORT_FORMATS, type ReportFormat } from './report-formats.js';


export interface ReportOptions {
  framework: string;
  frameworkVersion?: string;
  pssVersion?: string;
  results: string[];
  attestations: string;
  output: string[];
  outputFile?: string;
  color: boolean;
  config?: string;
  maxResultSize?: string;
  maxFileSize?: string;
  applyNamespace?: string;
  failOn: 'fail' | 'none';
}

/** The first key of a JSON object in the first bytes of a file: kshield results start with version, checks or subject. */
async function looksLikeResult(file: string, maxBytes: number): Promise<boolean> {
  let handle;
  let head: string;
  try {
    handle = await fs.open(file, 'r');
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    head = buffer.subarray(0, bytesRead).toString('utf8');
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
  const first = /^\uFEFF?\s*\{\s*"([^"]*)"\s*:\s*("[^"]*")?/.exec(head);
  if (!first) return false;
  const [, key, value] = first;
  if (key === 'version' || key === 'checks' || key === 'subject') return true;
  // kshield's own attestations file: read as a result so that its error says where it belongs (--attestations).
  if (key === 'kind') return value === '"kshield-attestations"';
  if (key === 'apiVersion') return false;
  // Another JSON object (the JSON of another kshield command, or of another tool): read as a result,
  // so that the error names the file before anything is reported, instead of a scan that finds no
  // Kubernetes object in it after a report of nothing has been printed. A Kubernetes object whose
  // keys come in another order is still scanned.
  try {
    const stat = await fs.stat(file);
    if (stat.size > maxBytes) return true;
    return !isKubernetesJson(JSON.parse(await fs.readFile(file, 'utf8')));
  } catch {
    return false;
  }
}

/** Positional arguments: JSON files that are kshield results are read as results, the rest is scanned. */
async function splitArguments(paths: string[], maxBytes: number): Promise<{ results: string[]; scan: string[] }> {
  const results: string[] = [];
  const scan: string[] = [];
  for (const p of paths) {
    if (p !== '-' && p.toLowerCase().endsWith('.json') && (await looksLikeResult(p, maxBytes))) results.push(p);
    else scan.push(p);
  }
  return { results, scan };
}

async function loadAllFrameworks(only?: string): Promise<Framework[]> {
  const { frameworks, errors } = await loadFrameworks(undefined, { only });
  // A broken file is named; the others still serve.
  for (const e of errors) process.stderr.write(`kshield: warning: ${e.message}\n`);
  return frameworks;
}

function chooseFramework(frameworks: readonly Framework[], opts: Pick<ReportOptions, 'framework' | 'frameworkVersion' | 'pssVersion'>): Framework {
  try {
    const isPss = FRAMEWORK_NAMES[opts.framework.trim().toLowerCase()] === 'pss' || opts.framework.trim().toLowerCase() === 'pss';
    if (isPss && opts.frameworkVersion && opts.pssVersion && opts.frameworkVersion !== opts.pssVersion)
      throw new UsageError(`--framework-version ${opts.frameworkVersion} and --pss-version ${opts.pssVersion} disagree: give one`);
    return selectFramework(frameworks, opts.framework, opts.frameworkVersion ?? (isPss ? opts.pssVersion : undefined));
  } catch (e) {
    if (e instanceof FrameworkChoiceError) throw new UsageError(e.message);
    throw e;
  }
}

async function readResults(files: readonly string[], maxBytes: number): Promise<ReadResult[]> {
  const out: ReadResult[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const key = (await fs.realpath(file).catch(() => file)) as string;
    if (seen.has(key)) throw new UsageError(`${file} is given twice`);
    seen.add(key);
    try {
      out.push(await readResultFile(file, maxBytes));
    } catch (e) {
      if (e instanceof ResultFileError) throw new UsageError(e.message);
      throw e;
    }
  }
  return out;
}

/** Runs the scan `kshield scan PATHS -o json` would, and reads its JSON report like a result file. */
async function scanPaths(paths: string[], opts: ReportOptions, maxFileBytes: number | undefined): Promise<{ result: ReadResult; errors: string[]; notes: string[] }> {
  const config = await loadConfigOption(opts.config);
  const namespace = applyNamespaceOption(opts.applyNamespace);
  const scan = await scanFiles(paths, {
    config,
    pssVersion: pssVersionOption(opts.pssVersion),
    jobs: 1,
    keepResources: false,
    ...(maxFileBytes !== undefined ? { maxFileBytes } : {}),
    // The note about objects without a namespace names the flag this command takes.
    namespace,
    namespaceFlag: APPLY_NAMESPACE_FLAG,
  });
  const name = `scan of ${paths.join(' ')}`;
  const result = resultFromJson(JSON.parse(JSON.stringify(toJsonReport(scan))), name);
  result.source = { ...result.source, file: paths.join(' ') };
  // The scan's notes are printed as scan prints them: its errors refer to them ("see the note").
  return { result, errors: scan.errors.map((e) => `${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`), notes: scan.notes.map(formatNote) };
}

export async function runReport(paths: string[], opts: ReportOptions): Promise<number> {
  const targets = parseOutputs(opts.output, opts.outputFile, REPORT_FORMATS);
  const maxBytes = opts.maxResultSize !== undefined ? sizeOption(opts.maxResultSize) : MAX_RESULT_FILE_BYTES;
  const maxFileBytes = maxFileBytesOption(opts.maxFileSize);
  applyNamespaceOption(opts.applyNamespace);
  // Only the asked framework's files are parsed; a name that is not one of the short names loads them all (for did-you-mean).
  const frameworks = await loadAllFrameworks(FRAMEWORK_NAMES[opts.framework.trim().toLowerCase()]);
  const framework = chooseFramework(frameworks, opts);
  const split = await splitArguments(paths, maxBytes);
  const resultFiles = [...opts.results, ...split.results];
  if (resultFiles.length === 0 && split.scan.length === 0)
    throw new UsageError('nothing to report on: give kshield JSON results (kshield scan DIR -o json=scan.json, then kshield report --framework F scan.json), or files and directories to scan');
  const read = await readResults(resultFiles, maxBytes);
  let inputErrors: string[] = [];
  if (split.scan.length > 0) {
    const scanned = await scanPaths(split.scan, opts, maxFileBytes);
    read.push(scanned.result);
    inputErrors = scanned.errors;
    for (const note of scanned.notes) process.stderr.write(`${sanitize(note)}\n`);
  }
  for (const e of inputErrors) process.stderr.write(`kshield: error: ${sanitize(e)}\n`);
  const attestations = await readAttestations(opts.attestations).catch(asUsage);
  const { input, notes } = mergeResults(read);
  if (framework.framework === 'pss' && resultFiles.length > 0)
    notes.push(`results do not say the Pod Security Standards version they were judged at: the rules' judgement is the scan's --pss-version (default latest), the controls listed are those of ${framework.version}`);
  const assessment = assessCompliance(framework, input, { attestations });
  const written = await writeTargets(targets, !opts.color, (target, color, width) =>
    target.format === 'html'
      ? renderHtmlReport({ compliance: [assessment], title: `kshield compliance report: ${frameworkLabel(assessment)}`, source: assessment.inputs.map((i) => `${i.command}: ${i.summary} (${i.file})`), notes })
      : render(target.format, assessment, notes, color, width),
  );
  if (!written || inputErrors.length > 0) return EXIT.usage;
  return opts.failOn !== 'none' && assessment.overall.fail > 0 ? EXIT.findings : EXIT.clean;
}

function render(format: Exclude<ReportFormat, 'html'>, a: ComplianceAssessment, notes: string[], color: boolean, width: number | undefined): string {
  switch (format) {
    case 'json':
      return JSON.stringify(toComplianceJson(a, VERSION, notes), null, 2) + '\n';
    case 'markdown':
      return renderComplianceMarkdown(a, notes);
    case 'csv':
      return renderComplianceCsv(a);
    default:
      return renderComplianceTable(a, notes, { color, width });
  }
}

function sizeOption(value: string): number {
  try {
    return parseSize(value);
  } catch (e) {
    throw new UsageError(`--max-result-size: ${(e as Error).message}`);
  }
}

// ------------------------------------------------------------------------------------------ attest

export interface AttestOptions {
  framework?: string;
  frameworkVersion?: string;
  by?: string;
  evidence?: string;
  expires?: string;
  status: 'pass' | 'fail';
  attestations: string;
  list?: boolean;
  revoke?: boolean;
  output: 'table' | 'json';
  reportTo?: string;
  reportTokenFile?: string;
  reportCa?: string;
  clusterName?: string;
}

/** Attestation and framework problems are the user's to fix: usage errors. */
function asUsage(e: unknown): never {
  if (e instanceof AttestationError || e instanceof FrameworkChoiceError) throw new UsageError(e.message);
  throw e;
}

function attestationError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    return asUsage(e);
  }
}

export async function runAttest(control: string | undefined, opts: AttestOptions, now = new Date()): Promise<number> {
  if (!opts.reportTo && (opts.reportTokenFile || opts.reportCa || opts.clusterName)) throw new UsageError('--report-token-file, --report-ca and --cluster-name go with --report-to URL');
  if (opts.reportTo) return attestToDashboard(control, opts, now);
  const file = opts.attestations;
  const existing = await readAttestations(file).catch(asUsage);
  if (opts.list) {
    if (control !== undefined) throw new UsageError('--list lists every attestation: give no control');
    // The newest answer made to a control supersedes the older ones (assess.ts): an older one still within its date is listed as superseded.
    const newest = new Map<string, number>();
    for (const a of existing) if (Date.parse(a.at) <= now.getTime()) newest.set(a.control, Math.max(newest.get(a.control) ?? -Infinity, Date.parse(a.at)));
    const rows = existing.map((a) => ({ ...a, state: !attestationValid(a, now) ? 'expired' : Date.parse(a.at) < (newest.get(a.control) ?? -Infinity) ? 'superseded' : 'valid' }));
    if (opts.output === 'json') process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    else if (rows.length === 0) process.stdout.write(`no attestations in ${file}\n`);
    else for (const r of rows) process.stdout.write(`${sanitize(r.control)}  ${r.status.toUpperCase()}  ${r.state === 'valid' ? `until ${r.expires.slice(0, 10)}` : r.state === 'superseded' ? `SUPERSEDED (until ${r.expires.slice(0, 10)})` : `EXPIRED ${r.expires.slice(0, 10)}`}  by ${sanitize(r.by)}: ${sanitize(r.evidence)}\n`);
    return EXIT.clean;
  }
  if (control === undefined) throw new UsageError('give the control to attest (e.g. kshield attest 5.1.7 --framework cis --by NAME --evidence URL --expires 90d), or --list');
  const frameworks = await loadAllFrameworks();
  const { framework, control: found } = attestationError(() => resolveControl(frameworks, control, opts.framework, opts.frameworkVersion));
  const key = controlKey(framework, found.id);
  if (opts.revoke) {
    const kept = existing.filter((a) => a.control !== key);
    if (kept.length === existing.length) throw new UsageError(`no attestation of ${key} in ${file}`);
    await writeAttestations(file, kept).catch(asUsage);
    process.stdout.write(`revoked ${existing.length - kept.length} attestation${existing.length - kept.length === 1 ? '' : 's'} of ${key} in ${file}\n`);
    return EXIT.clean;
  }
  const refused = refuseAttestation(found);
  if (refused) throw new UsageError(refused);
  const text = attestationError(() => checkAttestationText(opts.by, opts.evidence));
  if (opts.expires === undefined) throw new UsageError('--expires: when the answer must be reviewed again is required: a date (2026-12-31) or a duration (90d, 12w, 1y)');
  const expires = attestationError(() => parseExpiry(opts.expires!, now));
  const attestation: Attestation = { control: key, status: opts.status, by: text.by, evidence: text.evidence, at: now.toISOString(), expires: expires.toISOString() };
  await writeAttestations(file, [...existing, attestation]).catch(asUsage);
  process.stdout.write(`attested ${key} (${sanitize(found.title)}): ${opts.status} by ${sanitize(text.by)} until ${attestation.expires.slice(0, 10)}, in ${file}\n`);
  return EXIT.clean;
}

/**
 * `kshield attest … --report-to URL`: the answer recorded in (or revoked from) a kshield serve
 * dashboard, which checks it as this command checks its flags. Checked here first too, so a typo
 * is told before anything is sent.
 */
async function attestToDashboard(control: string | undefined, opts: AttestOptions, now: Date): Promise<number> {
  if (opts.list) throw new UsageError('--list reads the attestations file; the dashboard lists its own (GET /api/attestations, and its Compliance page)');
  if (control === undefined) throw new UsageError('give the control to attest (e.g. kshield attest 5.1.7 --framework cis --by NAME --evidence URL --expires 90d --report-to URL)');
  const { dashboardEndpoint, postToDashboard, readTokenFile, PushError } = await import('../serve/push.js');
  const frameworks = await loadAllFrameworks();
  const { framework, control: found } = attestationError(() => resolveControl(frameworks, control, opts.framework, opts.frameworkVersion));
  const key = controlKey(framework, found.id);
  let token: string | undefined;
  let ca: string | undefined;
  let url: URL;
  try {
    url = dashboardEndpoint(opts.reportTo!, opts.revoke ? '/api/attestations/revoke' : '/api/attestations');
    if (!opts.reportTokenFile) throw new UsageError('--report-to needs --report-token-file FILE: every kshield serve dashboard asks for its token');
    token = opts.reportTokenFile ? readTokenFile(opts.reportTokenFile, '--report-token-file') : undefined;
    ca = opts.reportCa ? await fs.readFile(opts.reportCa, 'utf8').catch((e: NodeJS.ErrnoException) => { throw new PushError(`--report-ca ${opts.reportCa}: cannot read it (${e.code ?? e.message})`); }) : undefined;
  } catch (error) {
    if (error instanceof PushError) throw new UsageError(error.message);
    throw error;
  }
  const source = opts.clusterName ?? null;
  let body: Record<string, unknown>;
  if (opts.revoke) body = { control: key, ...(source ? { source } : {}) };
  else {
    const refused = refuseAttestation(found);
    if (refused) throw new UsageError(refused);
    const text = attestationError(() => checkAttestationText(opts.by, opts.evidence));
    if (opts.expires === undefined) throw new UsageError('--expires: when the answer must be reviewed again is required: a date (2026-12-31) or a duration (90d, 12w, 1y)');
    attestationError(() => parseExpiry(opts.expires!, now));
    body = { control: key, status: opts.status, by: text.by, evidence: text.evidence, expires: opts.expires, ...(source ? { source } : {}) };
  }
  const where = sanitize(`${url.protocol}//${url.host}`);
  try {
    const answer = await postToDashboard(url, [JSON.stringify(body)], { token, ca, timeoutMs: 30_000, what: opts.revoke ? 'the revocation' : 'the attestation' });
    const scope = source ? `cluster ${sanitize(source)}` : 'every cluster';
    if (opts.revoke) process.stdout.write(`revoked ${String(answer.revoked ?? '?')} attestation${answer.revoked === 1 ? '' : 's'} of ${key} for ${scope} in ${where}\n`);
    else process.stdout.write(`attested ${key} (${sanitize(found.title)}): ${opts.status} by ${sanitize(String(answer.by ?? opts.by))} until ${String(answer.expires ?? '').slice(0, 10)}, for ${scope}, in ${where} (attestation ${String(answer.id ?? '?')})\n`);
    return EXIT.clean;
  } catch (error) {
    // Nothing was recorded: an error, as a cluster that cannot be reached is for kshield cluster.
    if (error instanceof PushError) throw new UsageError(`--report-to: ${error.message}`);
    throw error;
  }
}
