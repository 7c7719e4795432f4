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
export { imageObject, imageResource, IMAGE_KIND, type ImageObjectView } from './images/image-object.js';
export type { ImageFinding } from './report/image.js';
export type { ImageConfig, LayerDescriptor } from './images/sources.js';
export type { Inventory, Package, Ecosystem, OperatingSystem, PackageLocation, DockerfileOrigin } from './packages/model.js';
// Application dependencies and SBOMs (kshield deps): the lockfile readers, the source-tree walk, the writers.
export { inventorySourceTree, SourceTreeRootError, type SourceTreeInventory, type SourceTreeLimits } from './sources/source-tree.js';
export { lockfileFormat, LockfileError, LOCKFILE_NAMES, type LockfileResult, type LockfileContext } from './packages/lockfiles/index.js';
export { writeSbom, SBOM_FORMATS, type SbomFormat, type SbomSubject, type SbomOptions } from './report/sbom/index.js';
export { distroPackagePurl, sourcePackagePurl, parsePurl } from './packages/purl.js';
export { compareVersions, isValidVersion, versionScheme, InvalidVersionError, UnknownEcosystemError, type VersionScheme } from './packages/versions/index.js';
export { matchInventory, evaluateRange, type MatchOptions, type MatchResult, type VulnerabilityMatch, type AdvisoryMatch, type AdvisorySource } from './vulns/match.js';
export { openDatabase, loadOsvFolder, IndexDatabase, DatabaseError, type AdvisoryDatabase, type DatabaseInfo } from './vulns/db.js';
export { updateDatabase, buildIndex, defaultCacheDir, DEFAULT_ECOSYSTEMS, DEFAULT_MIRROR, type UpdateOptions, type UpdateResult } from './vulns/update.js';
export { readOsvRecord, OsvRecordError, type OsvRecord } from './vulns/osv.js';
export { scoreCvss, advisorySeverity, CvssError, type CvssScore } from './vulns/cvss.js';
export { readVex, loadVexFile, VexError, type VexStatement } from './vulns/vex.js';
export { renderVulnerabilityTable, vulnerabilityJson, failingFindings, type VulnerabilityReport } from './report/vulnerabilities.js';
// Image signatures (kshield verify): the image resolved, its signature artifacts found, each format verified, the policy judged.
export { resolveSubject, discoverArtifacts, type Discovery, type DiscoverOptions } from './signatures/discover.js';
export { VERIFIERS, verifyAll, judge, type Verifier, type Verdict } from './signatures/verifiers.js';
export { emptyPolicy, type VerifyPolicy, type PolicyKey, type KeylessIdentity } from './signatures/policy.js';
export { verifySigstoreArtifacts, type SigstorePolicy } from './signatures/sigstore.js';
export { verifyNotationArtifacts, type NotationPolicy } from './signatures/notation.js';
export type { SignedSubject, SignatureArtifact, SignatureResult, SignatureFailure, SignatureFormat } from './signatures/types.js';
// Compliance frameworks as data (frameworks/*.yaml): controls and the kshield evidence for each.
export { loadFrameworks, parseFramework, unknownEvidence, controlsEvidencedBy, parseEvidence, FrameworkError, FRAMEWORKS_DIR } from './compliance/frameworks.js';
export type { Framework, FrameworkSection, Control, Assessment, Evidence, EvidenceCatalogue } from './compliance/frameworks.js';
