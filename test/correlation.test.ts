/**
 * One workload, three views: `kshield scan` over a repository holding a Dockerfile and the manifests
 * that run its image judges the manifests with what the Dockerfile (or the image) says.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { kshield } from './support/cli.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'kshield-correlation-'));
after(() => rmSync(work, { recursive: true, force: true }));

const deployment = (securityContext: string): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      securityContext: ${securityContext}
      containers:
      - name: api
        image: registry.example/shop/api:1.2.0
`;

function repo(name: string, dockerfile: string, securityContext = '{runAsNonRoot: true}', mapping = true): string {
  const dir = path.join(work, name);
  mkdirSync(path.join(dir, 'services/api'), { recursive: true });
  mkdirSync(path.join(dir, 'deploy'), { recursive: true });
  writeFileSync(path.join(dir, 'services/api/Dockerfile'), dockerfile);
  writeFileSync(path.join(dir, 'deploy/api.yaml'), deployment(securityContext));
  if (mapping) writeFileSync(path.join(dir, 'kshield.yaml'), 'imageSources:\n  - image: registry.example/shop/api\n    dockerfile: services/api/Dockerfile\n');
  return dir;
}

function findings(dir: string, extra: string[] = []): { rule: string; message: string; file: string; line: number }[] {
  const args = ['scan', dir, '--only', 'image-user-breaks-run-as-non-root', '-o', 'json', '--fail-on', 'none', ...extra];
  const config = path.join(dir, 'kshield.yaml');
  const r = kshield([...args, ...(extra.includes('--config') ? [] : ['--config', config])]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { findings: { rule: string; message: string; file: string; line: number }[] }).findings;
}

describe('runAsNonRoot against the user the Dockerfile gives the image', () => {
  test('a named user (USER node): the kubelet cannot verify it; the finding is on the manifest and names the Dockerfile line', () => {
    const dir = repo('named', 'FROM node:20.11-bookworm-slim\nWORKDIR /app\nCOPY . .\nUSER node\nCMD ["node", "server.js"]\n');
    const found = findings(dir);
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0].file, path.join(dir, 'deploy/api.yaml'));
    assert.equal(found[0].line, 9);
    assert.match(found[0].message, new RegExp(`runs as the user name "node", which the kubelet cannot check is not root \\(Dockerfile ${path.join(dir, 'services/api/Dockerfile').replace(/[/.]/g, '\\$&')}:4: USER node\\).*image has non-numeric user \\(node\\), cannot verify user is non-root`));
  });

  test('USER 0:0 and FROM scratch without USER run as root', () => {
    assert.match(findings(repo('root', 'FROM debian:12-slim\nUSER 0:0\n'))[0]?.message ?? '', /image will run as root/);
    assert.match(findings(repo('scratch', 'FROM scratch\nCOPY app /app\nENTRYPOINT ["/app"]\n'))[0]?.message ?? '', /but its image sets no user, so it runs as root \(Dockerfile .*: FROM scratch, no USER\).*image will run as root/);
  });

  test('no finding where the kubelet would start the container, or where the image user cannot be known', () => {
    assert.deepEqual(findings(repo('numeric', 'FROM node:20.11-bookworm-slim\nUSER 10001:10001\n')), []);
    assert.deepEqual(findings(repo('run-as-user', 'FROM node:20.11-bookworm-slim\nUSER node\n', '{runAsNonRoot: true, runAsUser: 1000}')), []);
    assert.deepEqual(findings(repo('not-required', 'FROM debian:12-slim\n', '{}')), []);
    // No USER on a base image kshield does not know: its user is the base's, unknown here.
    assert.deepEqual(findings(repo('base-user', 'FROM registry.example/base/runtime:3\nCOPY app /app\n')), []);
    // A USER from a build argument without a default is decided at build time.
    assert.deepEqual(findings(repo('arg', 'FROM debian:12-slim\nARG RUN_AS\nUSER ${RUN_AS}\n')), []);
  });

  test('without imageSources nothing links the image to the Dockerfile, so nothing is said', () => {
    const dir = repo('unmapped', 'FROM debian:12-slim\nUSER root\n', '{runAsNonRoot: true}', false);
    writeFileSync(path.join(dir, 'empty.yaml'), 'failOn: high\n');
    assert.deepEqual(findings(dir, ['--config', path.join(dir, 'empty.yaml')]), []);
  });

  test('an imageSources Dockerfile that was not scanned (a misspelt path, or a scan of the manifests only) is said in a note', () => {
    const dir = repo('unscanned', 'FROM debian:12-slim\nUSER root\n');
    writeFileSync(path.join(dir, 'typo.yaml'), 'imageSources:\n  - image: registry.example/shop/api\n    dockerfile: services/api/Dockerfil\n');
    const typo = kshield(['scan', dir, '--config', path.join(dir, 'typo.yaml'), '-o', 'json', '--fail-on', 'none']);
    const notes = (JSON.parse(typo.stdout) as { notes: { file: string; message: string }[] }).notes;
    assert.ok(notes.some((n) => n.file.endsWith('typo.yaml') && /imageSources\[0\]: .*services\/api\/Dockerfil is not among the scanned files, so images registry\.example\/shop\/api are not judged with it \(no such file\)/.test(n.message)), JSON.stringify(notes));
    const manifestsOnly = kshield(['scan', path.join(dir, 'deploy'), '--config', path.join(dir, 'kshield.yaml'), '-o', 'json', '--fail-on', 'none']);
    assert.match(manifestsOnly.stdout, /services\/api\/Dockerfile is not among the scanned files.*scan the directory that holds it too/);
  });

  test('imageSources is checked: a misspelt key is an error naming the line, with the right name', () => {
    const dir = repo('typo', 'FROM debian:12-slim\n');
    writeFileSync(path.join(dir, 'bad.yaml'), 'imageSources:\n  - image: registry.example/shop/api\n    dockerfle: services/api/Dockerfile\n');
    const r = kshield(['scan', dir, '--config', path.join(dir, 'bad.yaml')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.yaml:3.*dockerfle.*dockerfile/);
  });
});
