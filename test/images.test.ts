import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalReference, effectiveTag, parseImageReference, registryEntryMatches, type ImageReference } from '../src/k8s/images.js';
import { evaluate } from '../src/engine/engine.js';
import type { RuleSettings } from '../src/engine/rule.js';
import type { Finding } from '../src/core/types.js';
import { imageRules } from '../src/rules/images/index.js';
import { redactCredentials } from '../src/rules/images/image-reference-invalid.js';
import { loadText } from '../src/sources/files.js';

const SHA = 'sha256:4c0fdaa8b6341bfdeca5f18f7837462c80cff90527ee35ef185571e1c327beac';

function parsed(input: string): ImageReference {
  const r = parseImageReference(input);
  assert.ok(r.ok, `${input} should parse: ${r.ok ? '' : r.error}`);
  return r.image;
}

describe('parseImageReference: valid forms', () => {
  const cases: [string, Partial<ImageReference>, string][] = [
    ['nginx', { registry: 'docker.io', repository: 'library/nginx', tag: undefined, digest: undefined, explicitRegistry: false }, 'docker.io/library/nginx:latest'],
    ['nginx:1.27.3', { registry: 'docker.io', repository: 'library/nginx', tag: '1.27.3' }, 'docker.io/library/nginx:1.27.3'],
    ['bitnami/redis:7.4', { registry: 'docker.io', repository: 'bitnami/redis', tag: '7.4' }, 'docker.io/bitnami/redis:7.4'],
    ['docker.io/library/nginx', { registry: 'docker.io', repository: 'library/nginx', explicitRegistry: true }, 'docker.io/library/nginx:latest'],
    ['docker.io/nginx:1', { registry: 'docker.io', repository: 'library/nginx', tag: '1' }, 'docker.io/library/nginx:1'],
    ['index.docker.io/library/nginx:1', { registry: 'docker.io', repository: 'library/nginx' }, 'docker.io/library/nginx:1'],
    ['localhost/app', { registry: 'localhost', repository: 'app', explicitRegistry: true }, 'localhost/app:latest'],
    ['localhost:5000/team/app:v2', { registry: 'localhost:5000', repository: 'team/app', tag: 'v2' }, 'localhost:5000/team/app:v2'],
    [`registry.example.com:5000/ns/name:tag@${SHA}`, { registry: 'registry.example.com:5000', repository: 'ns/name', tag: 'tag', digest: SHA }, `registry.example.com:5000/ns/name:tag@${SHA}`],
    [`ghcr.io/acme/api@${SHA}`, { registry: 'ghcr.io', repository: 'acme/api', tag: undefined, digest: SHA }, `ghcr.io/acme/api@${SHA}`],
    [`nginx@${SHA}`, { registry: 'docker.io', repository: 'library/nginx', tag: undefined, digest: SHA }, `docker.io/library/nginx@${SHA}`],
    ['Registry.Example.COM/app:1', { registry: 'registry.example.com', repository: 'app' }, 'registry.example.com/app:1'],
    ['gcr.io/distroless/static-debian12:nonroot', { registry: 'gcr.io', repository: 'distroless/static-debian12', tag: 'nonroot' }, 'gcr.io/distroless/static-debian12:nonroot'],
    ['[::1]:5000/app:1', { registry: '[::1]:5000', repository: 'app', tag: '1' }, '[::1]:5000/app:1'],
    ['quay.io/a__b/c--d.e_f:V1.0_rc-2', { repository: 'a__b/c--d.e_f', tag: 'V1.0_rc-2' }, 'quay.io/a__b/c--d.e_f:V1.0_rc-2'],
    // Without "." or ":" the first component is a Docker Hub namespace, not a host.
    ['myregistry/app:1', { registry: 'docker.io', repository: 'myregistry/app', explicitRegistry: false }, 'docker.io/myregistry/app:1'],
    ['localhost', { registry: 'docker.io', repository: 'library/localhost' }, 'docker.io/library/localhost:latest'],
  ];
  for (const [input, expected, canonical] of cases) {
    test(input, () => {
      const image = parsed(input);
      for (const [k, v] of Object.entries(expected)) assert.equal(image[k as keyof ImageReference], v, `${input}: ${k}`);
      assert.equal(canonicalReference(image), canonical);
      assert.equal(image.raw, input);
    });
  }

  test('effective tag: latest only when neither tag nor digest is written', () => {
    assert.equal(effectiveTag(parsed('nginx')), 'latest');
    assert.equal(effectiveTag(parsed('nginx:1.2')), '1.2');
    assert.equal(effectiveTag(parsed(`nginx@${SHA}`)), undefined);
  });
});

describe('parseImageReference: malformed forms', () => {
  const cases: [unknown, RegExp][] = [
    ['', /empty/],
    ['   ', /empty/],
    [' nginx', /whitespace/],
    ['nginx 1.27', /whitespace/],
    ['Nginx:1.0', /upper-case/],
    ['acme/Web', /upper-case/],
    ['nginx:', /empty tag/],
    ['nginx:-bad', /invalid tag/],
    [`nginx:${'a'.repeat(129)}`, /invalid tag/],
    ['nginx@sha256:abc', /sha256 digest/],
    [`nginx@sha256:${'A'.repeat(64)}`, /sha256 digest/],
    ['nginx@md5', /digest without an algorithm/],
    [`nginx@${SHA}@${SHA}`, /more than one "@"/],
    [':1.0', /no repository/],
    [`@${SHA}`, /no repository/],
    ['registry.example.com//app', /empty path component/],
    ['app/', /empty path component/],
    ['registry.example.com:99999/app', /port/],
    ['bad_host.example.com/app', /registry host/],
    ['foo/bar-/baz', /invalid repository component/],
    ['{{ .Values.image }}', /template/],
    ['${IMAGE}', /template/],
    [`x/${'a'.repeat(260)}`, /longer than 255/],
  ];
  for (const [input, error] of cases) {
    test(JSON.stringify(input), () => {
      const r = parseImageReference(input as string);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.error, error);
    });
  }
});

describe('registryEntryMatches', () => {
  const cases: [string, string, boolean][] = [
    ['nginx:1', 'docker.io', true],
    ['nginx:1', 'index.docker.io', true],
    ['nginx:1', 'docker.io/library', true],
    ['bitnami/redis:7', 'docker.io/library', false],
    ['bitnami/redis:7', 'docker.io/bitnami', true],
    ['ghcr.io/acme/api:1', 'ghcr.io', true],
    ['ghcr.io/acme/api:1', 'GHCR.io/acme/', true],
    ['ghcr.io/acme/api:1', 'https://ghcr.io/acme', true],
    ['ghcr.io/acme-evil/api:1', 'ghcr.io/acme', false],
    ['ghcr.io/acme/api:1', 'ghcr.io/acme/api', true],
    ['ghcr.io.evil.com/acme/api:1', 'ghcr.io', false],
    ['evil.com/ghcr.io/api:1', 'ghcr.io', false],
    ['eu.gcr.io/proj/app:1', '*.gcr.io', true],
    ['gcr.io/proj/app:1', '*.gcr.io', false],
    ['evilgcr.io/proj/app:1', '*.gcr.io', false],
    ['localhost:5000/app:1', 'localhost:5000', true],
    ['localhost:5001/app:1', 'localhost:5000', false],
    ['registry.local/app:1', '  ', false],
    // Globs: "*" in the host, "*" within one path component, "**" for any number of components.
    ['a.b.acme.io/app:1', '*.acme.io', true],
    ['acme.io/app:1', '*.acme.io', false],
    ['evil.com/acme.io/app:1', '*.acme.io', false],
    ['a.acme.io:5000/app:1', '*.acme.io', false],
    ['registry-eu.acme.io/app:1', 'registry-*.acme.io', true],
    ['registry-eu.evil.io/app:1', 'registry-*.acme.io', false],
    ['registry.acme.io:5000/app:1', 'registry.acme.io:*', true],
    ['registry.acme.io:5000/app:1', 'registry.acme.io', false],
    ['registry.acme.io/web/frontend:2', 'registry.acme.io/*', true],
    ['registry.acme.io/frontend:2', 'registry.acme.io/*', true],
    ['registry.acme.io.evil.com/frontend:2', 'registry.acme.io/*', false],
    ['nginx:1', 'docker.io/*', true],
    ['nginx:1', '*', true],
    ['ghcr.io/acme-web/api:1', 'ghcr.io/acme-*', true],
    ['ghcr.io/evil/acme-web:1', 'ghcr.io/acme-*', false],
    ['ghcr.io/acme/api:1', 'ghcr.io/*/api', true],
    ['ghcr.io/acme/team/api:1', 'ghcr.io/*/api', false],
    ['ghcr.io/acme/team/api:1', 'ghcr.io/**/api', true],
    ['ghcr.io/api:1', 'ghcr.io/**/api', true],
    ['ghcr.io/acme/team/api:1', 'GHCR.IO/ACME/**', true],
    ['ghcr.io/acme:1', 'ghcr.io/acme/**', true],
    ['ghcr.io/acme-evil/api:1', 'ghcr.io/acme/**', false],
    ['ghcr.io/a/b/prod/api:1', 'ghcr.io/**/prod', true],
    ['ghcr.io/a/b/staging/api:1', 'ghcr.io/**/prod', false],
    ['ghcr.io/acme/api:1', 'ghcr.io/acme?', false],
  ];
  for (const [image, entry, expected] of cases) {
    test(`${image} vs ${JSON.stringify(entry)}`, () => assert.equal(registryEntryMatches(parsed(image), entry), expected));
  }
});

function podWith(container: string): string {
  return `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  containers:
${container}`;
}

function run(ruleId: string, yaml: string, settings?: Partial<RuleSettings>): Finding[] {
  const rule = imageRules.find((r) => r.id === ruleId);
  assert.ok(rule, ruleId);
  const loaded = loadText(yaml, 'test.yaml');
  const result = evaluate(loaded.resources, { rules: [rule], settings });
  assert.deepEqual(result.errors, []);
  return result.findings;
}

describe('image rules', () => {
  test('tag rules do not overlap: latest vs missing vs digest', () => {
    const table: [string, string[]][] = [
      ['nginx', ['image-tag-missing']],
      ['nginx:latest', ['image-tag-latest']],
      ['nginx:1.27', []],
      [`nginx@${SHA}`, []],
      [`nginx:latest@${SHA}`, []],
    ];
    for (const [image, expected] of table) {
      const fired = ['image-tag-missing', 'image-tag-latest'].filter((id) => run(id, podWith(`  - {name: web, image: "${image}"}`)).length > 0);
      assert.deepEqual(fired, expected, image);
    }
  });

  test('pull policy: defaults follow Kubernetes, digests are exempt', () => {
    const table: [string, string | undefined, boolean][] = [
      ['nginx:1.27', undefined, true],
      ['nginx:1.27', 'IfNotPresent', true],
      ['nginx:1.27', 'Never', true],
      ['nginx:1.27', 'Always', false],
      ['nginx:latest', undefined, false],
      ['nginx', undefined, false],
      ['nginx', 'IfNotPresent', true],
      [`nginx@${SHA}`, undefined, false],
      [`nginx@${SHA}`, 'Never', false],
    ];
    for (const [image, policy, fires] of table) {
      const c = `  - {name: web, image: "${image}"${policy ? `, imagePullPolicy: ${policy}` : ''}}`;
      const findings = run('image-pull-policy-not-always', podWith(c));
      assert.equal(findings.length > 0, fires, `${image} ${policy}`);
      if (fires) assert.match(findings[0].path, policy ? /imagePullPolicy$/ : /image$/);
    }
  });

  test('registry allow-list is silent when empty and checks every container type', () => {
    const yaml = podWith(`  - {name: web, image: "nginx:1"}`).replace('  containers:', '  initContainers:\n  - {name: init, image: "quay.io/x/y:1"}\n  containers:');
    assert.equal(run('image-registry-not-allowed', yaml).length, 0);
    assert.equal(run('image-registry-not-allowed', yaml, { allowedRegistries: [] }).length, 0);
    const findings = run('image-registry-not-allowed', yaml, { allowedRegistries: ['registry.acme.io'] });
    assert.deepEqual(findings.map((f) => f.container).sort(), ['init', 'web']);
    assert.match(findings.find((f) => f.container === 'web')!.message, /docker\.io\/library\/nginx/);
    assert.equal(run('image-registry-not-allowed', yaml, { allowedRegistries: ['docker.io', 'quay.io/x'] }).length, 0);
  });

  test('invalid references are reported once, by image-reference-invalid only', () => {
    const yaml = podWith(`  - {name: web, image: "Nginx:Latest"}`);
    assert.equal(run('image-reference-invalid', yaml).length, 1);
    for (const id of ['image-tag-latest', 'image-tag-missing', 'image-pull-policy-not-always', 'image-not-pinned-by-digest']) assert.equal(run(id, yaml).length, 0, id);
    assert.equal(run('image-registry-not-allowed', yaml, { allowedRegistries: ['ghcr.io'] }).length, 0);
  });

  test('credentials written into an image field are masked', () => {
    for (const image of ['https://deploy:Pa55-w0rd-xyz@registry.example.com/app:1', 'deploy:Pa55-w0rd-xyz@registry.example.com/app:1']) {
      const findings = run('image-reference-invalid', podWith(`  - {name: web, image: "${image}"}`));
      assert.equal(findings.length, 1);
      assert.ok(!JSON.stringify(findings).includes('Pa55-w0rd-xyz'), image);
      assert.match(findings[0].message, /deploy:\*\*\*@/);
    }
    assert.equal(redactCredentials(`nginx:1.2@${SHA}`), `nginx:1.2@${SHA}`);
  });

  test('a container without image is reported; a non-string image is left to the shape check', () => {
    const missing = run('image-reference-invalid', podWith(`  - {name: web, image: "nginx:1"}\n  - {name: side}`));
    assert.equal(missing.length, 1);
    assert.match(missing[0].message, /"side" has no image/);
    const numeric = podWith(`  - {name: web, image: "nginx:1"}\n  - {name: side, image: 42}`);
    for (const rule of imageRules) assert.equal(run(rule.id, numeric, { allowedRegistries: ['docker.io'] }).filter((f) => f.container === 'side').length, 0, rule.id);
  });

  test('wrong field types never throw', () => {
    const docs = [
      `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: "nginx"`,
      `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [null, 3, {name: a, image: [x]}, {name: b, image: {x: 1}, imagePullPolicy: 7}]`,
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template: "x"`,
      `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: [1, 2]`,
    ];
    for (const yaml of docs) for (const rule of imageRules) run(rule.id, yaml, { allowedRegistries: ['ghcr.io', 42 as unknown as string] });
  });
});
