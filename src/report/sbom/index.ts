/**
 * SBOM writers: `writeSbom(inventory, format, subject)` gives a CycloneDX 1.6 or SPDX 2.3 JSON
 * document for any Inventory: a source tree's lockfiles (`kshield deps`), an image's or a root file
 * system's installed packages. Output is deterministic: packages sorted by purl, relationships
 * sorted, identifiers derived from the content; with `timestamp` fixed, byte for byte the same.
 */
import type { Inventory } from '../../packages/model.js';
import { VERSION } from '../../core/version.js';
import { cycloneDxDocument } from './cyclonedx.js';
import { spdxDocument } from './spdx.js';
import type { SbomFormat, SbomOptions, SbomSubject } from './common.js';

export { SBOM_FORMATS, type SbomFormat, type SbomSubject, type SbomOptions } from './common.js';
export { cycloneDxDocument } from './cyclonedx.js';
export { spdxDocument } from './spdx.js';

/** The SBOM as a JSON text (two-space indented, ending in a newline). */
export function writeSbom(inventory: Inventory, format: SbomFormat, subject: SbomSubject, options: Partial<SbomOptions> = {}): string {
  const full: SbomOptions = { toolVersion: options.toolVersion ?? VERSION, timestamp: options.timestamp };
  const doc = format === 'spdx' ? spdxDocument(inventory, subject, full) : cycloneDxDocument(inventory, subject, full);
  return JSON.stringify(doc, null, 2) + '\n';
}
