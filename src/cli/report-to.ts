/**
 * `--report-to URL` of `kshield cluster` and `kshield scan`: the result sent to a `kshield serve`
 * dashboard with the labels findings' teams come from and the RBAC graph and reachability of the
 * objects (src/serve/analyses.ts), which only the scanning side can compute (the dashboard keeps no
 * objects). A failed push is reported on standard error and does not change the exit code: the scan
 * itself was done and printed.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Resource } from '../core/types.js';
import { sanitize } from '../core/text.js';
import { UsageError } from '../core/errors.js';
import { jsonSyntaxError, resultFromJson, ResultFileError, type ReadResult } from '../compliance/input.js';
import type { ScanResult } from '../report/scan-report.js';

export interface ReportToFlags {
  reportTo?: string;
  reportTokenFile?: string;
  reportCa?: string;
  clusterName?: string;
  /** `kshield node` / `kshield probe` JSON results sent with the scan: the dashboard judges CIS sections 1-4 from them. */
  reportEvidence?: string[];
}

/** Most node and probe results one push carries (the dashboard refuses more). */
const MAX_EVIDENCE = 50;
/** A node or probe result is a few hundred KiB at most. */
const MAX_EVIDENCE_BYTES = 16 * 1024 * 1024;

export interface ReportTarget {
  send(result: ScanResult, extra: { source: string; objectLabels: unknown[]; resources?: readonly Resource[]; settings?: { operatorWorkloads?: unknown; kubernetesVersion?: string } }): Promise<void>;
}

/** The flags that only mean something with --report-to, refused without it. */
export function checkReportFlags(opts: ReportToFlags): void {
  if (!opts.reportTo && (opts.reportTokenFile || opts.reportCa || opts.clusterName || opts.reportEvidence?.length)) throw new UsageError('--report-token-file, --report-ca, --report-evidence and --cluster-name go with --report-to URL');
}

/** --report-to's flags checked before the scan (a typo should not cost a whole scan), and the sender. */
export async function reportTarget(opts: ReportToFlags, command: 'cluster' | 'scan'): Promise<ReportTarget> {
  const { importEndpoint, pushReport, readTokenFile, PushError } = await import('../serve/push.js');
  let token: string | undefined;
  let ca: string | undefined;
  let evidence: unknown[] = [];
  try {
    importEndpoint(opts.reportTo!);
    if (!opts.reportTokenFile) throw new UsageError('--report-to needs --report-token-file FILE: every kshield serve dashboard asks for its token');
    token = opts.reportTokenFile ? readTokenFile(opts.reportTokenFile, '--report-token-file') : undefined;
    ca = opts.reportCa ? readCaFile(opts.reportCa) : undefined;
    evidence = readEvidence(opts.reportEvidence ?? []);
  } catch (error) {
    if (error instanceof PushError) throw new UsageError(error.message);
    throw error;
  }
  return {
    async send(result, extra) {
      const { renderJsonChunks } = await import('../report/json.js');
      const { analysesOf } = await import('../serve/analyses.js');
      try {
        const analyses = extra.resources && extra.resources.length > 0 ? analysesOf(extra.resources, extra.settings as Parameters<typeof analysesOf>[1]) : undefined;
        const envelope = { source: extra.source, command, objectLabels: extra.objectLabels, ...(analyses ? { analyses } : {}), ...(evidence.length ? { evidence } : {}) };
        const stored = await pushReport(renderJsonChunks(result), { url: opts.reportTo!, token, ca, envelope });
        process.stderr.write(`kshield: sent the result to ${sanitize(opts.reportTo!)} (scan ${stored.scanId})\n`);
      } catch (error) {
        if (!(error instanceof PushError)) throw error;
        process.stderr.write(`kshield: error: --report-to: ${sanitize(error.message)}\n`);
      }
    },
  };
}

function readCaFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--report-ca ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/**
 * --report-evidence FILE...: `kshield node` and `kshield probe` JSON results, read and checked before
 * the scan (a wrong file should not cost a scan): each must be one of those results, as the
 * dashboard accepts them in the import's `evidence`.
 */
function readEvidence(files: readonly string[]): unknown[] {
  if (files.length > MAX_EVIDENCE) throw new UsageError(`--report-evidence: at most ${MAX_EVIDENCE} node and probe results go with one scan, not ${files.length}`);
  return files.map((file) => {
    let text: string;
    try {
      if (statSync(file).size > MAX_EVIDENCE_BYTES) throw new UsageError(`--report-evidence ${file}: larger than ${MAX_EVIDENCE_BYTES / 1024 / 1024} MiB, not a kshield node or probe result`);
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`--report-evidence ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`--report-evidence ${file}: ${jsonSyntaxError(text, error)}; give the output of kshield node or kshield probe with -o json`);
    }
    let read: ReadResult;
    try {
      read = resultFromJson(value, file);
    } catch (error) {
      if (error instanceof ResultFileError) throw new UsageError(`--report-evidence ${error.message}`);
      throw error;
    }
    if (read.source.command !== 'node' && read.source.command !== 'probe') throw new UsageError(`--report-evidence ${file}: a kshield ${read.source.command} result; only kshield node and probe results (-o json) go with a scan`);
    return value;
  });
}
