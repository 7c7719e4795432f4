/** What a network probe reports: benchmark-style checks, one group per endpoint. */
import type { CheckStatus } from '../node/checks.js';
import type { CheckRow } from '../report/checks.js';
import { countStatuses } from '../report/checks.js';

export interface ProbeCheck extends CheckRow {
  /** host:port (etcd) or host (kubelet) the check is about. */
  endpoint: string;
}

export interface ProbeReport {
  checks: ProbeCheck[];
  target: {
    component: 'etcd' | 'kubelet';
    /** As the user gave them. */
    endpoints: string[];
    /** The longest the probe waited for any one endpoint, e.g. "5s". */
    timeout: string;
    /** kubelet only: the ports probed. */
    ports?: { secure: number; readOnly: number };
  };
  summary: Record<CheckStatus, number>;
}

export interface ProbeTiming {
  timeoutMs: number;
  /** The --timeout written the one way ("5s" for "5" or "5000ms"), for messages ("no answer within 5s"). */
  timeoutText: string;
}

/** For an endpoint the probe could not reach, the fix is to the probe, not to the server. */
export const UNREACHABLE_REMEDIATION =
  'check the address and port, and probe from a machine that should reach them (a node, or a pod); a port closed to this machine is good, but says nothing about the others';

export function buildProbeReport(target: ProbeReport['target'], checks: ProbeCheck[]): ProbeReport {
  return { checks, target, summary: countStatuses(checks) };
}

/** Runs `probe` over `items`, at most `limit` at a time, keeping the input order in the result. */
export async function inParallel<T, R>(items: readonly T[], limit: number, probe: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await probe(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
