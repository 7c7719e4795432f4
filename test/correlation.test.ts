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
import { normalizeRepository } from '../src/rules/correlation/shared.js';

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

  test('an imageSources entry needs image or source: an error naming the entry\'s line', () => {
    const dir = repo('neither', 'FROM debian:12-slim\n');
    writeFileSync(path.join(dir, 'neither.yaml'), 'failOn: high\nimageSources:\n  - dockerfile: services/api/Dockerfile\n');
    const r = kshield(['scan', dir, '--config', path.join(dir, 'neither.yaml')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /neither\.yaml:3.*imageSources\[0\]: give image .* or source/);
  });

  test('repository URLs compare in one form', () => {
    for (const url of ['https://github.com/Example/shop.git', 'git@github.com:example/shop', 'github.com/example/shop/', 'git+https://user@github.com/example/shop']) assert.equal(normalizeRepository(url), 'github.com/example/shop', url);
    assert.notEqual(normalizeRepository('https://github.com/example/shop-api'), normalizeRepository('https://github.com/example/shop'));
  });

  test('imageSources is checked: a misspelt key is an error naming the line, with the right name', () => {
    const dir = repo('typo', 'FROM debian:12-slim\n');
    writeFileSync(path.join(dir, 'bad.yaml'), 'imageSources:\n  - image: registry.example/shop/api\n    dockerfle: services/api/Dockerfile\n');
    const r = kshield(['scan', dir, '--config', path.join(dir, 'bad.yaml')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.yaml:3.*dockerfle.*dockerfile/);
  });
});

interface PortFinding { rule: string; severity: string; message: string; file: string; line: number; path: string }

/** A repository with the api's Dockerfile, its Deployment (ports as given) and optionally a Service, mapped by kshield.yaml. */
function portRepo(name: string, dockerfile: string, ports: string, serviceSpec?: string): string {
  const dir = path.join(work, name);
  mkdirSync(path.join(dir, 'services/api'), { recursive: true });
  mkdirSync(path.join(dir, 'deploy'), { recursive: true });
  writeFileSync(path.join(dir, 'services/api/Dockerfile'), dockerfile);
  writeFileSync(path.join(dir, 'deploy/api.yaml'), `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: registry.example/shop/api:1.2.0
        ports: ${ports}
`);
  if (serviceSpec) writeFileSync(path.join(dir, 'deploy/service.yaml'), `apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  selector: {app: api}
  ports: ${serviceSpec}
`);
  writeFileSync(path.join(dir, 'kshield.yaml'), 'imageSources:\n  - image: registry.example/shop/api\n    dockerfile: services/api/Dockerfile\n');
  return dir;
}

function portFindings(dir: string): PortFinding[] {
  const r = kshield(['scan', dir, '--only', 'image-port-not-exposed,image-exposed-port-unused', '-o', 'json', '--fail-on', 'none', '--config', path.join(dir, 'kshield.yaml')]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { findings: PortFinding[] }).findings;
}

const GO_BUILD = 'FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /api .\n\nFROM scratch\nCOPY --from=build /api /api\n';

describe('the ports the image EXPOSEs against containerPorts and Service targetPorts', () => {
  test('a containerPort the image does not expose, targeted by the Service by name: one finding on the containerPort naming the EXPOSE line', () => {
    const dir = portRepo('port-drift', `${GO_BUILD}EXPOSE 3000\nENTRYPOINT ["/api"]\n`, '[{name: http, containerPort: 8080}]', '[{name: http, port: 80, targetPort: http}]');
    const found = portFindings(dir);
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0].rule, 'image-port-not-exposed');
    assert.equal(found[0].severity, 'low');
    assert.equal(found[0].file, path.join(dir, 'deploy/api.yaml'));
    assert.equal(found[0].line, 12);
    assert.equal(found[0].path, '/spec/template/spec/containers/0/ports/0/containerPort');
    assert.equal(
      found[0].message,
      `container "api" declares containerPort 8080/tcp (Service "api" port "http" sends traffic to it), but its Dockerfile ${path.join(dir, 'services/api/Dockerfile')} exposes only 3000/tcp (line 8): unless the process listens on 8080 anyway (EXPOSE only documents it), connections there are refused`,
    );
  });

  test('EXPOSE through ENV and ARG defaults is substituted; a matching port says nothing', () => {
    assert.deepEqual(portFindings(portRepo('port-env', `${GO_BUILD}ARG PORT=8080\nENV LISTEN=\${PORT}\nEXPOSE \${LISTEN}/tcp\n`, '[{containerPort: 8080}]', '[{port: 80, targetPort: 8080}]')), []);
    const found = portFindings(portRepo('port-env-drift', `${GO_BUILD}ENV PORT=3000\nEXPOSE $PORT\n`, '[{containerPort: 8080}]'));
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.match(found[0].message, /exposes only 3000\/tcp \(line 9\)/);
    // Ports written on one line are named once with it.
    const two = portFindings(portRepo('port-two', `${GO_BUILD}EXPOSE 3000 3001\n`, '[{containerPort: 8080}]'));
    assert.match(two[0]?.message ?? '', /exposes only 3000\/tcp, 3001\/tcp \(line 8\):/);
  });

  test('a Service numeric targetPort to a workload declaring no ports: the finding is on the Service', () => {
    const dir = portRepo('port-service', `${GO_BUILD}EXPOSE 3000\n`, '[]', '[{name: http, port: 80, targetPort: 8080}]');
    const found = portFindings(dir);
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0].rule, 'image-port-not-exposed');
    assert.equal(found[0].file, path.join(dir, 'deploy/service.yaml'));
    assert.equal(found[0].line, 6);
    assert.equal(found[0].path, '/spec/ports/0/targetPort');
    assert.match(found[0].message, /^Service "api" port "http" sends TCP traffic to port 8080, which the selected pods' images do not expose \(container "api" of Deployment "api": its Dockerfile .*services\/api\/Dockerfile exposes 3000\/tcp \(line 8\)\)/);
  });

  test('an exposed port nothing uses is reported at info, once per port', () => {
    const dir = portRepo('port-unused', `${GO_BUILD}EXPOSE 8080 9090\n`, '[{name: http, containerPort: 8080}]', '[{name: http, port: 80, targetPort: http}]');
    const found = portFindings(dir);
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0].rule, 'image-exposed-port-unused');
    assert.equal(found[0].severity, 'info');
    assert.equal(found[0].line, 12);
    assert.match(found[0].message, /exposes 9090\/tcp \(line 8\), but no containerPort of the pod declares it and no Service in the scan targets it \(the pod uses 8080\/tcp\)/);
  });

  test('a base image kshield cannot see may expose more: no mismatch is claimed, but the Dockerfile\'s own unused EXPOSE is named', () => {
    const found = portFindings(portRepo('port-node', 'FROM node:20.11-bookworm-slim\nCOPY . .\nEXPOSE 3000\nCMD ["node", "server.js"]\n', '[{containerPort: 8080}]'));
    assert.deepEqual(found.map((f) => [f.rule, f.severity]), [['image-exposed-port-unused', 'info']]);
    assert.match(found[0].message, /exposes 3000\/tcp \(line 3\).*the pod uses 8080\/tcp/);
  });

  test('nothing is said when the ports cannot be known or compared', () => {
    // ARG without a default: the port is decided at build time.
    assert.deepEqual(portFindings(portRepo('port-arg', `${GO_BUILD}ARG PORT\nEXPOSE \${PORT}\n`, '[{containerPort: 8080}]')), []);
    // No EXPOSE at all: nothing documented to compare with.
    assert.deepEqual(portFindings(portRepo('port-none', GO_BUILD, '[{containerPort: 8080}]', '[{port: 80, targetPort: 8080}]')), []);
    // UDP exposed, TCP declared: the image documents no TCP port.
    assert.deepEqual(portFindings(portRepo('port-udp', `${GO_BUILD}EXPOSE 53/udp\n`, '[{containerPort: 8080}, {containerPort: 53, protocol: UDP}]')), []);
    // The pod says nothing about ports and no Service selects it.
    assert.deepEqual(portFindings(portRepo('port-silent', `${GO_BUILD}EXPOSE 8080 9090\n`, '[]')), []);
  });
});
