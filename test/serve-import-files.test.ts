/**
 * `kshield serve --import FILE`: a file that cannot be stored is named with what is wrong (the line
 * of a JSON syntax error, or which kshield file it is instead of a scan result), the other files
 * are still stored and the dashboard still starts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { kshield, root } from './support/cli.js';
import { startServe } from './support/serve.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kshield-serve-import-'));
const at = (name: string): string => path.join(dir, name);

async function until(check: () => boolean, what: () => string): Promise<void> {
  const end = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('kshield serve --import: files that are not scan results', () => {
  test('each bad file is one error naming it and what is wrong; the good one is stored', async () => {
    assert.equal(kshield(['scan', path.join(root, 'examples/ecommerce/insecure/cart.yaml'), '-o', `json=${at('cart.json')}`, '--fail-on', 'none']).code, 0);
    writeFileSync(at('broken.json'), '{\n  "version": "0.1.0",\n  "format": 2,\n  "findings": [,]\n}\n');
    writeFileSync(at('attestations.json'), JSON.stringify({ kind: 'kshield-attestations', version: 1, attestations: [] }));
    writeFileSync(at('compliance.json'), JSON.stringify({ kshieldVersion: '0.1.0', format: 1, framework: 'pss', version: 'v1.35', controls: [] }));
    const files = ['broken.json', 'attestations.json', 'compliance.json', 'cart.json'];
    const serve = await startServe(['--database', ':memory:', ...files.flatMap((f) => ['--import', at(f)])]);
    try {
      await until(() => /imported .*cart\.json/.test(serve.stderr()), serve.stderr);
      const err = serve.stderr();
      assert.match(err, /broken\.json: error: not valid JSON \(line 4\)/);
      assert.match(err, /attestations\.json: error: a kshield attestations file, not a kshield scan or cluster JSON result/);
      assert.match(err, /compliance\.json: error: the JSON of kshield report \(a compliance report of pss\), not a kshield scan or cluster JSON result/);
      assert.doesNotMatch(err, /the body/, 'a file is not a request body');
      const scans = (await (await fetch(`${serve.url}/api/scans`, { headers: { authorization: `Bearer ${serve.token}` } })).json()) as { source: string }[];
      assert.deepEqual(scans.map((s) => s.source), ['cart']);
    } finally {
      await serve.stop();
    }
  });
});
