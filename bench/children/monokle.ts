/**
 * Measurement (c): @monokle/validation over the same corpus, end to end as its CLI does it:
 * read the files, extract resources with the `yaml` package (parseAllDocuments + toJS, each
 * document's text and line kept, as Monokle's own parser does), then validate with every
 * plugin that runs offline. `kubernetes-schema` (downloads JSON schemas) and
 * `open-policy-agent` (downloads a WASM bundle) need the network and are left out.
 *
 *   node dist/bench/children/monokle.js <corpus-dir> <result.json>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { LineCounter, parseAllDocuments, stringify } from 'yaml';
import {
  MonokleValidator,
  DefaultPluginLoader,
  ResourceParser,
  SchemaLoader,
  AnnotationSuppressor,
  FingerprintSuppressor,
  DisabledFixer,
  type Resource,
} from '@monokle/validation';
import { listManifestFiles } from '../corpus.js';

export const OFFLINE_PLUGINS = ['pod-security-standards', 'practices', 'resource-links', 'yaml-syntax', 'metadata'] as const;

const [dir, out] = process.argv.slice(2);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function toResource(content: Obj, text: string, file: string, fileId: string, fileOffset: number, id: string): Resource | undefined {
  if (typeof content.kind !== 'string' || typeof content.apiVersion !== 'string') return undefined;
  const metadata = isObj(content.metadata) ? content.metadata : {};
  return {
    id,
    fileId,
    filePath: file,
    fileOffset,
    name: typeof metadata.name === 'string' ? metadata.name : content.kind,
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : undefined,
    apiVersion: content.apiVersion,
    kind: content.kind,
    content,
    text,
  };
}

const files = listManifestFiles(dir);
const resources: Resource[] = [];
files.forEach((file, f) => {
  const text = readFileSync(file, 'utf8');
  const lines = new LineCounter();
  parseAllDocuments(text, { lineCounter: lines }).forEach((doc, d) => {
    if (doc.errors.length > 0) return;
    const content: unknown = doc.toJS();
    if (!isObj(content)) return;
    const line = lines.linePos(doc.range[0]).line;
    const fileOffset = line === 1 ? 0 : line;
    // Monokle keeps a List as one resource; expand it so both tools check the same objects.
    if (typeof content.kind === 'string' && content.kind.endsWith('List') && Array.isArray(content.items)) {
      content.items.forEach((item, i) => {
        if (!isObj(item)) return;
        const r = toResource(item, stringify(item), file, String(f), fileOffset, `${f}-${d}-${i}`);
        if (r) resources.push(r);
      });
      return;
    }
    const r = toResource(content, doc.toString({ directives: false }), file, String(f), fileOffset, `${f}-${d}`);
    if (r) resources.push(r);
  });
});

const validator = new MonokleValidator({
  loader: new DefaultPluginLoader(),
  parser: new ResourceParser(),
  schemaLoader: new SchemaLoader(),
  suppressors: [new AnnotationSuppressor(), new FingerprintSuppressor()],
  fixer: new DisabledFixer(),
});
const plugins = process.env.BENCH_MONOKLE_PLUGINS ? process.env.BENCH_MONOKLE_PLUGINS.split(',') : [...OFFLINE_PLUGINS];
const extracted = performance.now();
await validator.preload({ plugins: Object.fromEntries(plugins.map((p) => [p, true])) });
const loaded = validator.getPlugins().map((p) => p.metadata.name);
const response = await validator.validate({ resources });
const results = response.runs.reduce((n, run) => n + run.results.length, 0);
writeFileSync(out, JSON.stringify({ files: files.length, resources: resources.length, results, plugins: loaded, extractMs: extracted, validateMs: performance.now() - extracted }));
