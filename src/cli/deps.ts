/**
 * `kshield deps DIR`: the application dependencies of a source tree, from its lockfiles, as a
 * table, JSON, or an SBOM (CycloneDX 1.6 / SPDX 2.3 JSON). Exit codes as everywhere: 0 read, 2 when
 * a lockfile could not be read (the others are still reported), when no lockfile was found, or when
 * an output could not be written.
 */
import path from 'node:path';
import { EXIT, UsageError } from '../core/errors.js';
import { inventorySourceTree, SourceTreeRootError } from '../sources/source-tree.js';
import { LOCKFILE_NAMES, lockfileFormat } from '../packages/lockfiles/index.js';
import { buildDepsReport, renderDepsTable, type DepsReport } from '../report/deps.js';
import { writeSbom, type SbomFormat, type SbomSubject } from '../report/sbom/index.js';
import { failingFindings, type VulnerabilityReport } from '../report/vulnerabilities.js';
import { checkSbomTimestamp, sbomTargets, writeSbomTargets, type SbomTarget } from './sbom-targets.js';
import { optionalVulnerabilities, vulnerabilityTableTail, withVulnerabilities } from './vulns.js';
import type { VulnerabilityFlags } from './vuln-options.js';
import { parseSize } from '../config/config-file.js';
import { readBaseline } from '../core/baseline.js';
import type { Resource } from '../core/types.js';
import { SelectionError } from '../engine/select.js';
import { scanLoaded } from '../pipeline/scan-files.js';
import { lockfileResource, type LockfilePackage } from '../sources/lockfile.js';
import { attachMatches } from '../vulns/attach.js';
import { statSync } from 'node:fs';
import type { VulnerabilityMatch } from '../vulns/match.js';
import { loadConfigOption, writeBaselineFile } from './scan.js';
import { governVulnerabilities, vulnerabilityIndex } from './vulns.js';

const REPORT_FORMATS = ['table', 'json'] as const;

export interface DepsCommandOptions extends Omit<VulnerabilityFlags, 'output'> {
  output: string[];
  outputFile?: string;
  sbom?: string;
  maxFileSize?: string;
  /** Fixes the SBOM's timestamp (ISO 8601), for reproducible documents. */
  sbomTimestamp?: string;
  config?: string;
  baseline?: string;
  writeBaseline?: string;
}

type Target = SbomTarget<(typeof REPORT_FORMATS)[number]>;

export function depsTargets(opts: DepsCommandOptions): Target[] {
  return sbomTargets(opts, REPORT_FORMATS);
}

function render(target: Target, report: DepsReport, tree: Awaited<ReturnType<typeof inventorySourceTree>>, opts: DepsCommandOptions, vulns: VulnerabilityReport | undefined): string {
  switch (target.format) {
    case 'json':
      return JSON.stringify(withVulnerabilities(report, vulns, opts), null, 2) + '\n';
    case 'cyclonedx':
    case 'spdx':
      return writeSbom(tree.inventory, target.format as SbomFormat, sourceSubject(tree.root), { timestamp: opts.sbomTimestamp });
    default:
      return renderDepsTable(report) + vulnerabilityTableTail(vulns, opts);
  }
}

/** The SBOM's subject: the project directory by its name (`.` says nothing in an SBOM read elsewhere). */
function sourceSubject(given: string): SbomSubject {
  const abs = path.resolve(given);
  const dir = lockfileFormat(path.basename(abs)) ? path.dirname(abs) : abs;
  return { kind: 'source', name: path.basename(dir) || dir };
}

export async function runDeps(dir: string, opts: DepsCommandOptions): Promise<number> {
  const targets = depsTargets(opts);
  checkSbomTimestamp(opts.sbomTimestamp);
  const maxFileBytes = opts.maxFileSize !== undefined ? parseMaxFileSize(opts.maxFileSize) : undefined;
  let tree;
  try {
    tree = await inventorySourceTree(dir, maxFileBytes !== undefined ? { maxFileBytes } : {});
  } catch (err) {
    if (err instanceof SourceTreeRootError) throw new UsageError(err.message);
    throw err;
  }
  const nothing = tree.lockfiles.length === 0 && tree.errors.length === 0;
  const report = buildDepsReport(tree);
  const config = await loadConfigOption(opts.config);
  const baseline = opts.baseline ? await readBaseline(opts.baseline) : undefined;
  const failOn = opts.failOn ?? 'none';
  const vulns = nothing ? undefined : optionalVulnerabilities(dir, tree.inventory, opts, failOn);
  const judged = vulns ? judgeLockfiles(tree, vulns.result.matches, config, baseline) : undefined;
  const written = await writeSbomTargets(targets, true, (target) => render(target, report, tree, opts, vulns));
  // The table lists what was not read; anywhere else it would go unseen, so standard error says it.
  const tableOnScreen = targets.some((t) => t.format === 'table' && t.file === undefined);
  if (!tableOnScreen) for (const e of tree.errors) process.stderr.write(`kshield: ${e.path}${e.line !== undefined ? `:${e.line}` : ''}: ${e.message}\n`);
  // Like `scan` on a directory without manifests: a mistyped path must not pass CI with nothing read.
  if (nothing) process.stderr.write(`kshield: no lockfiles in ${dir} (looked for ${LOCKFILE_NAMES.join(', ')})\n`);
  if (opts.writeBaseline && judged && !(await writeBaselineFile(judged, opts.writeBaseline))) return EXIT.usage;
  if (!written || nothing || tree.errors.length > 0) return EXIT.usage;
  return vulns && failingFindings(vulns).length > 0 ? EXIT.findings : EXIT.clean;
}

function parseMaxFileSize(value: string): number {
  try {
    return parseSize(value);
  } catch (err) {
    throw new UsageError(`--max-file-size: ${(err as Error).message}`);
  }
}

/**
 * The vulnerabilities as findings of `vulnerable-package` on each lockfile, judged by the engine as
 * `kshield scan` judges them, so the configuration's exemptions and the baseline apply; the matches
 * every finding of which was suppressed are marked so in the report. Returns the findings.
 */
function judgeLockfiles(tree: Awaited<ReturnType<typeof inventorySourceTree>>, matches: VulnerabilityMatch[], config: Awaited<ReturnType<typeof loadConfigOption>>, baseline: ReadonlySet<string> | undefined) {
  const resources: Resource[] = [];
  const matchesOf: VulnerabilityMatch[][] = [];
  const rootIsFile = statSync(tree.root).isFile();
  for (const lockfile of tree.lockfiles) {
    // Named as `kshield scan` of the same path names it, so one exemption serves both.
    const file = rootIsFile ? tree.root : path.join(tree.root, lockfile.path);
    const own = tree.inventory.packages.filter((p) => p.locations.some((l) => l.path === lockfile.path));
    const packages: LockfilePackage[] = own.map((p) => {
      const line = p.locations.find((l) => l.path === lockfile.path)?.line;
      return { name: p.name, version: p.version, ecosystem: p.ecosystem, purl: p.purl, ...(line !== undefined ? { line } : {}) };
    });
    const attached = attachMatches({ matches }, own, 'package');
    resources.push(lockfileResource(file, lockfile.format, lockfile.ecosystem, packages, attached.map((a) => a.vulnerability)));
    matchesOf.push(attached.map((a) => a.match));
  }
  let scan;
  try {
    scan = scanLoaded({ resources, errors: [], notes: [], files: resources.map((r) => r.file) }, { only: ['vulnerable-package'], config, baseline });
  } catch (err) {
    if (err instanceof SelectionError) throw new UsageError(err.message);
    throw err;
  }
  const byFile = new Map(resources.map((r, i) => [r.file, i]));
  governVulnerabilities(scan.findings, (f) => matchesOf[byFile.get(f.file) ?? -1]?.[vulnerabilityIndex(f) ?? -1]);
  return scan.findings;
}
