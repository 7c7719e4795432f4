/** The kshield library API. */
export { scanFiles, scanObjects, scanLoaded, exitCode, atMinSeverity, type ScanOptions, type ScanReport, type ScanResult } from './core/scan.js';
export { foldFindings } from './core/fold.js';
export { suggest, didYouMean, editDistance } from './core/suggest.js';
export { rules, findRule, allTags } from './rules/index.js';
export { evaluate, fingerprint, type Exemption, type EngineOptions, type EngineResult } from './core/engine.js';
export { loadPaths, loadText, loadBytes, resourcesFromObjects, type LoadResult } from './sources/files.js';
export { parseConfig, loadConfigFile, ConfigError, type KshieldConfig } from './core/config.js';
export { selectRules, SelectionError } from './core/select.js';
export { podSpecs, containers } from './core/pods.js';
export type { Rule, RuleMeta, RuleContext, RuleSettings, RuleExamples } from './core/rule.js';
export type { Finding, RelatedFinding, Resource, ResourceRef, Severity, Violation, InputError, Note, Position } from './core/types.js';
export { SEVERITIES } from './core/types.js';
export { VERSION } from './version.js';
export { reporters, type ReportFormat } from './report/index.js';
export type { Reporter, ReportOptions } from './report/reporter.js';
