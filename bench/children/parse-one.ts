/**
 * One parser over the whole corpus, files read up front so only parsing is timed.
 *
 *   node dist/bench/children/parse-one.js <parser> <corpus-dir> <result.json>
 *
 * parsers: js-yaml (loadAll, no positions), kshield-positions (parseYamlStream: js-yaml with
 * the position listener), kshield-load (loadText: positions plus building Resources),
 * yaml (the `yaml` package: parseAllDocuments, then toJS on every document).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import jsyaml from 'js-yaml';
import { parseAllDocuments } from 'yaml';
import { parseYamlStream } from '../../src/sources/yaml.js';
import { loadText } from '../../src/sources/files.js';
import { listManifestFiles } from '../corpus.js';

const [parser, dir, out] = process.argv.slice(2);
const files = listManifestFiles(dir);
const texts = files.map((f) => readFileSync(f, 'utf8'));

const parsers: Record<string, (text: string, file: string) => number> = {
  'js-yaml': (text) => {
    let n = 0;
    jsyaml.loadAll(text, () => n++);
    return n;
  },
  'kshield-positions': (text) => parseYamlStream(text).documents.length,
  'kshield-load': (text, file) => loadText(text, file).resources.length,
  yaml: (text) => {
    let n = 0;
    for (const doc of parseAllDocuments(text)) {
      doc.toJS();
      n++;
    }
    return n;
  },
};
const parse = parsers[parser];
if (!parse) throw new Error(`unknown parser ${parser}; one of ${Object.keys(parsers).join(', ')}`);

const started = performance.now();
let count = 0;
for (let i = 0; i < texts.length; i++) count += parse(texts[i], files[i]);
const ms = performance.now() - started;
writeFileSync(out, JSON.stringify({ parser, ms, count, files: files.length, bytes: texts.reduce((n, t) => n + Buffer.byteLength(t), 0) }));
