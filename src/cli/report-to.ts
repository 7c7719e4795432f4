/**
 * `--report-to URL` of `kshield cluster` and `kshield scan`: the result sent to a `kshield serve`
 * dashboard with the labels findings' teams come from and the RBAC graph and reachability of the
 * objects (src/serve/analyses.ts), which only the scanning side can compute (the dashboard keeps no
 * objects). A failed push is reported on standard error and does not change the exit code: the scan
 * itself was done and printed.
 */
import { readFileSync } from 'node:fs';
import type { Resource } from '../core/types.js';
import { sanitize } from '../core/text.js';
import { UsageError } from '../core/errors.js';
import type { ScanResult } from '../report/scan-report.js';

export interface ReportToFlags {
  reportTo?: string;
  reportTokenFile?: string;
  reportCa?: string;
  clusterName?: string;
}

export interface ReportTarget {
  send(result: ScanResult, extra: { source: string; objectLabels: unknown[]; resources?: readonly Resource[]; settings?: { operatorWorkloads?: unknown; kubernetesVersion?: string } }): Promise<void>;
}

/** The flags that only mean something with --report-to, refused without it. */
export function checkReportFlags(opts: ReportToFlags): void {
  if (!opts.reportTo && (opts.reportTokenFile || opts.reportCa || opts.clusterName)) throw new UsageError('--report-token-file, --report-ca and --cluster-name go with --report-to URL');
}

/** --report-to's flags checked before the scan (a typo should not cost a whole scan), and the sender. */
export async function reportTarget(opts: ReportToFlags, command: 'cluster' | 'scan'): Promise<ReportTarget> {
  const { importEndpoint, pushReport, readTokenFile, PushError } = await import('../serve/push.js');
  let token: string | undefined;
  let ca: string | undefined;
  try {
    importEndpoint(opts.reportTo!);
    token = opts.reportTokenFile ? readTokenFile(opts.reportTokenFile, '--report-token-file') : undefined;
    ca = opts.reportCa ? readCaFile(opts.reportCa) : undefined;
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
        const envelope = { source: extra.source, command, objectLabels: extra.objectLabels, ...(analyses ? { analyses } : {}) };
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
