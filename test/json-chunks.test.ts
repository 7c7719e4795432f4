import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadText } from '../src/sources/files.js';
import { scanLoaded } from '../src/core/scan.js';
import { renderJson, renderJsonChunks, toJsonReport } from '../src/report/json.js';

test('the JSON report written in pieces is exactly JSON.stringify of the report, across batch boundaries', () => {
  const pods: string[] = [];
  for (let i = 0; i < 700; i++) pods.push(`apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}, namespace: n}\nspec:\n  containers:\n  - {name: c, image: "nginx:1.27", securityContext: {privileged: true}}\n`);
  const result = scanLoaded(loadText(pods.join('---\n'), 'many.yaml'), { only: ['privileged-container'] });
  assert.equal(result.findings.length, 700);
  const pieces = [...renderJsonChunks(result)];
  assert.ok(pieces.length > 2, 'written in several pieces');
  assert.equal(pieces.join(''), JSON.stringify(toJsonReport(result), null, 2) + '\n');
  assert.equal(renderJson(result), pieces.join(''));
  assert.equal(JSON.parse(renderJson(result)).findings.length, 700);
});
