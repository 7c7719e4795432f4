/**
 * Commands that write one format to standard output (rbac paths, who-can, access, netpol reach, tenants) given the
 * `-o FORMAT=FILE` that scan, report and node accept: the error says how to write a file here.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { INSECURE, kshield, root } from './support/cli.js';

test('rbac -o html=FILE says to redirect standard output instead of calling it an unknown format', () => {
  for (const args of [
    ['rbac', 'paths', INSECURE, '-o', 'html=paths.html'],
    ['rbac', 'who-can', 'get', 'secrets', INSECURE, '-o', 'json=who.json'],
    ['netpol', 'reach', INSECURE, '-o', 'html=reach.html'],
    ['tenants', 'examples/tenants', '-o', 'html=tenants.html'],
  ]) {
    const r = kshield(args);
    assert.equal(r.code, 2, args.join(' '));
    const [format, file] = args[args.length - 1].split('=');
    assert.match(r.stderr, new RegExp(`-o ${format}=${file.replace('.', '\\.')}: this command writes one format to standard output, not to a file; redirect it: -o ${format} > ${file.replace('.', '\\.')}`));
    assert.equal(existsSync(path.join(root, file)), false);
  }
  const r = kshield(['rbac', 'paths', INSECURE, '-o', 'yaml']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown output format "yaml" \(one of: table, json, dot, mermaid, html\)/);
});

test('netpol reach and tenants name their formats for an unknown one', () => {
  const reach = kshield(['netpol', 'reach', INSECURE, '-o', 'yaml']);
  assert.equal(reach.code, 2);
  assert.match(reach.stderr, /unknown output format "yaml" \(one of: table, json, dot, mermaid, html\)/);
  const tenants = kshield(['tenants', 'examples/tenants', '-o', 'sarif']);
  assert.equal(tenants.code, 2);
  assert.match(tenants.stderr, /unknown output format "sarif" \(one of: table, json, html\)/);
});
