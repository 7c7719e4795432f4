/**
 * Measurement (b) before the CLI exists: the library scan with every rule and positions,
 * writing the JSON report like `kshield scan -o json --output-file` does.
 *
 *   node dist/bench/children/scan-lib.js <corpus-dir> <report.json>
 */
import { writeFileSync } from 'node:fs';
import { scanFiles } from '../../src/index.js';

const [dir, out] = process.argv.slice(2);
const result = await scanFiles([dir]);
const { version, findings, summary, errors, notes } = result;
writeFileSync(out, JSON.stringify({ version, findings, summary, errors, notes }, null, 2) + '\n');
