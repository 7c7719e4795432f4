/** The kshield library API. */
export { scanFiles, scanObjects, scanLoaded } from './pipeline/scan-files.js';
export { exitCode, atMinSeverity } from './pipeline/assemble.js';
export type { ScanOptions } from './pipeline/prepare.js';
export type { ScanReport, ScanResult } from './report/scan-report.js';
export { foldFindings } from './core/fold.js';
export { suggest, didYouMean, editDistance } from './core/suggest.js';
export { rules, findRule, allTags } from './rules/index.js';
export { evaluate, fingerprint, type Exemption, type EngineOptions, type EngineResult } from './engine/engine.js';
export { loadPaths, loadText, loadBytes, resourcesFromObjects, type LoadResult } from './sources/files.js';
export { parseConfig, loadConfigFile, ConfigError, type KshieldConfig } from './config/config-file.js';
export { selectRules, SelectionError } from './engine/select.js';
export { podSpecs, containers } from './k8s/pods.js';
export type { Rule, RuleMeta, RuleContext, RuleSettings, RuleExamples } from './engine/rule.js';
export type { Finding, RelatedFinding, Resource, ResourceRef, Severity, Violation, InputError, Note, Position } from './core/types.js';
export { SEVERITIES } from './core/types.js';
export { VERSION } from './core/version.js';
export { reporters, type ReportFormat } from './report/index.js';
export type { Reporter, ReportOptions } from './report/reporter.js';
export { inventoryImage, type ImageTarget, type ImageInventory, type InventoryImageOptions } from './images/inventory.js';
export { checkImage, type ImageFinding } from './images/config-checks.js';
export type { ImageConfig, LayerDescriptor } from './images/sources.js';
export type { Inventory, Package, Ecosystem, OperatingSystem, PackageLocation } from './packages/model.js';
// Application dependencies and SBOMs (kshield deps): the lockfile readers, the source-tree walk, the writers.
export { inventorySourceTree, SourceTreeRootError, type SourceTreeInventory, type SourceTreeLimits } from './sources/source-tree.js';
export { lockfileFormat, LockfileError, LOCKFILE_NAMES, type LockfileResult, type LockfileContext } from './packages/lockfiles/index.js';
export { writeSbom, SBOM_FORMATS, type SbomFormat, type SbomSubject, type SbomOptions } from './report/sbom/index.js';
export { distroPackagePurl, sourcePackagePurl, parsePurl } from './packages/purl.js';
