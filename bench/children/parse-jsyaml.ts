/**
 * Measurement (a): the floor. Reads every manifest and parses it with js-yaml's `loadAll`
 * (default schema, no positions, no checks): what any YAML-reading tool must at least pay.
 *
 *   node dist/bench/children/parse-jsyaml.js <corpus-dir> <result.json>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { listManifestFiles } from '../corpus.js';

const [dir, out] = process.argv.slice(2);
const files = listManifestFiles(dir);
let documents = 0;
let resources = 0;
let bytes = 0;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  bytes += text.length;
  yaml.loadAll(text, (doc) => {
    documents++;
    if (doc === null || typeof doc !== 'object') return;
    const obj = doc as { kind?: unknown; items?: unknown };
    resources += typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items) ? obj.items.length : 1;
  });
}
writeFileSync(out, JSON.stringify({ files: files.length, documents, resources, bytes }));
