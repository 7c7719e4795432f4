/** Helpers the cluster rules share. */
import type { Resource } from '../../core/types.js';
import type { RuleContext } from '../../engine/rule.js';
import { fieldAt, asString } from '../../core/values.js';

export const CLUSTER_INFO_API_VERSION = 'kshield.io/v1';

export const CLUSTER_INFO_KIND = 'ClusterInfo';

export const SKEW_DOC = 'https://kubernetes.io/releases/version-skew-policy/';

export interface MinorVersion {
  major: number;
  minor: number;
  text: string;
}

/** "v1.20.2", "1.27.3-eks-abc", "1.30": major and minor; undefined for anything else. */
export function parseMinor(value: unknown): MinorVersion | undefined {
  const text = asString(value);
  if (text === undefined) return undefined;
  const m = /^v?(\d+)\.(\d+)(?:\.|$|[-+])/.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), text: text.trim() };
}

/** The API server's version from the run's ClusterInfo object, if the run came from a cluster. */
export function serverVersionOf(info: Resource | undefined): MinorVersion | undefined {
  if (!info) return undefined;
  return parseMinor(fieldAt(info.object, 'serverVersion', 'gitVersion'));
}

export function clusterInfo(context: RuleContext): Resource | undefined {
  return context.resources.ofKind(CLUSTER_INFO_KIND).find((r) => r.apiVersion === CLUSTER_INFO_API_VERSION);
}

export function isClusterInfo(resource: Resource): boolean {
  return resource.kind === CLUSTER_INFO_KIND && resource.apiVersion === CLUSTER_INFO_API_VERSION;
}

export const CLUSTER_INFO_EXAMPLE = (gitVersion: string, observedAt = '2026-11-23'): string => `apiVersion: kshield.io/v1
kind: ClusterInfo
metadata:
  name: prod
serverVersion:
  gitVersion: ${gitVersion}
observedAt: "${observedAt}"`;
