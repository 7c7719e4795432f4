/**
 * docs/ARCHITECTURE.md's layers, kept true: every import in src/ points down the list below (or
 * stays in its own folder), and no module imports itself back through a chain of others.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { root } from './support/cli.js';

/** Folders of src/, lowest first: a module may import from its own folder and from folders above it in this list. */
export const LAYERS = ['core', 'k8s', 'packages', 'engine', 'sources', 'images', 'signatures', 'vulns', 'node', 'analysis', 'rules', 'compliance', 'config', 'report', 'store', 'pipeline', 'admission', 'runtime', 'probe', 'serve', 'cli'] as const;
const SRC = path.join(root, 'src');

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? modules(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

/** Relative imports of a module (static, dynamic and `new URL(..., import.meta.url)` workers), as module paths under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|new URL\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
    out.push(path.relative(SRC, path.resolve(path.dirname(file), m[1])).replace(/\.js$/, '.ts'));
  }
  return out;
}

const graph = new Map(modules(SRC).map((f) => [path.relative(SRC, f), importsOf(f)]));

function layerOf(module: string): number {
  const top = module.split(path.sep)[0];
  if (!module.includes(path.sep)) return top === 'index.ts' ? LAYERS.length : -1;
  return LAYERS.indexOf(top as (typeof LAYERS)[number]);
}

test('every folder of src/ has a place in the layers', () => {
  const folders = new Set([...graph.keys()].filter((m) => m.includes(path.sep)).map((m) => m.split(path.sep)[0]));
  assert.deepEqual([...folders].filter((f) => !(LAYERS as readonly string[]).includes(f)), []);
  assert.deepEqual([...graph.keys()].filter((m) => !m.includes(path.sep)), ['index.ts'], 'only the library entry point sits at the top of src/');
});

test('imports point down the layers', () => {
  const upward: string[] = [];
  for (const [module, imports] of graph)
    for (const target of imports) {
      assert.ok(graph.has(target), `${module} imports ${target}, which does not exist`);
      if (layerOf(target) > layerOf(module)) upward.push(`${module} -> ${target}`);
    }
  assert.deepEqual(upward, [], 'a module imports from a layer above its own (see LAYERS and docs/ARCHITECTURE.md)');
});

test('no import cycles', () => {
  // Tarjan's strongly connected components: any component of more than one module is a cycle.
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    order.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!order.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, order.get(w)!));
    }
    if (low.get(v) === order.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!order.has(v)) visit(v);
  assert.deepEqual(cycles, []);
});
