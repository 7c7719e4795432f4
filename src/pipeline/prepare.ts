/** What a scan runs with: the options every command shares, and the rules and engine options they select. */
import { selectRules, SelectionError } from '../engine/select.js';
import type { EngineOptions } from '../engine/engine.js';
import type { Rule, RuleSettings } from '../engine/rule.js';
import type { NamespacePssVersions } from '../k8s/pss.js';
import { settingsFromConfig, parseSize, type KshieldConfig } from '../config/config-file.js';
import type { PlacementOptions } from '../sources/placement.js';
import type { InputKind } from '../sources/input-kinds.js';
import { rules as catalogue } from '../rules/index.js';
import type { ScanVulnerabilityOptions } from './vulnerabilities.js';
import type { ScanImageOptions } from './images.js';

export interface ScanOptions {
  /** Rule ids or tags: run only these. */
  only?: string[];
  /** Rule ids or tags to leave out. */
  skip?: string[];
  config?: KshieldConfig;
  /** false: ignore `kshield.io/ignore` annotations. Default: the configuration's, else true. */
  inlineSuppressions?: boolean;
  /** Fingerprints of accepted findings (from `--baseline`). */
  baseline?: ReadonlySet<string>;
  maxFileBytes?: number;
  /** Render kustomizations and Helm charts found in directories (default true); false scans their files as they are. */
  render?: boolean;
  /** Deadline of one renderer run, in milliseconds. */
  renderTimeoutMs?: number;
  now?: Date;
  /**
   * Worker threads to spread the files over: a number, or "auto" (one per core, up to 4, for
   * inputs large enough to pay for starting them). Default 1. A scan run on more than one
   * thread does not keep the parsed objects: `resources` and `evaluations` come back empty.
   */
  jobs?: number | 'auto';
  /**
   * Keep every parsed object in the result (`resources`, and `evaluations` for JUnit). Default
   * true. false lets a scan drop each object once the rules that need it have run, which keeps
   * the memory of large scans low; more than one job implies false.
   */
  keepResources?: boolean;
  /**
   * Where namespaced objects without metadata.namespace will be applied (`kubectl apply -n`):
   * they are placed there, and an object naming another namespace is an input error. Without it
   * they are analysed in "default" and one note counts them. See sources/placement.ts.
   */
  namespace?: string;
  /** How that option is spelled in messages. Default "--namespace". */
  namespaceFlag?: string;
  /** Set by scanFiles for its threads: the placement, with the scopes of the input's CRDs. */
  placement?: PlacementOptions;
  /** Matching the packages of lockfiles against a vulnerability database (pipeline/vulnerabilities.ts). */
  vulnerabilities?: ScanVulnerabilityOptions;
  /** `scan --images`: read the images the workloads name and judge them with the manifests (pipeline/images.ts). */
  images?: ScanImageOptions;
  /** What standard input holds (`--stdin-kind`): manifests (the default) or a Dockerfile. */
  stdinKind?: InputKind;
  /** Pod Security Standards version from `--pss-version` ("latest" or "v1.N"); wins over the configuration's. */
  pssVersion?: string;
  /** The target cluster's minor version (`kshield cluster`: the API server's); wins over the configured kubernetesVersion as the newest policy version. */
  pssClusterMinor?: number;
  /** `kshield cluster`: the versions namespaces' labels set (see RuleSettings.pssNamespaces). */
  pssNamespaces?: ReadonlyMap<string, NamespacePssVersions>;
}

export interface PreparedScan {
  rules: Rule[];
  engine: EngineOptions;
}

/** The rules and engine options a scan runs with; throws SelectionError when nothing is left to run. */
export function prepareScan(options: ScanOptions): PreparedScan {
  const config = options.config;
  const selected = selectRules(catalogue, { only: options.only, skip: options.skip, enable: config?.enable, disable: config?.disable });
  if (selected.length === 0) throw new SelectionError('no rules left to run: --only, --skip and the configuration exclude them all');
  return {
    rules: selected,
    engine: {
      rules: selected,
      catalogue,
      settings: scanSettings(options),
      exemptions: config?.exemptions,
      inlineSuppressions: options.inlineSuppressions ?? config?.inlineSuppressions ?? true,
      baseline: options.baseline,
      severityOverrides: config?.severity,
      now: options.now,
    },
  };
}

/** The rule settings of a scan: the configuration's, with what the command line and the cluster add. */
function scanSettings(options: ScanOptions): Partial<RuleSettings> {
  const settings = settingsFromConfig(options.config);
  if (options.pssVersion !== undefined) settings.pssVersion = options.pssVersion;
  if (options.pssClusterMinor !== undefined) settings.pssClusterMinor = options.pssClusterMinor;
  if (options.pssNamespaces !== undefined) settings.pssNamespaces = options.pssNamespaces;
  return settings;
}

export function maxFileBytesOf(options: ScanOptions): number | undefined {
  return options.maxFileBytes ?? (options.config?.maxFileSize !== undefined ? parseSize(options.config.maxFileSize) : undefined);
}

