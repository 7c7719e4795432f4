/**
 * "Did you mean": the suggester itself (a table of misspellings), then each place a user can
 * misspell a name and gets it: annotations, the configuration, `explain`, `--only`/`--skip`,
 * `rules --tag`, output formats, and command-line flags (commander's own suggestion, kept on).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { didYouMean, editDistance, maxEdits, suggest } from '../src/core/suggest.js';
import { rules } from '../src/rules/index.js';
import { selectRules, selectorNames, SelectionError } from '../src/engine/select.js';
import { ConfigError, parseConfig } from '../src/config/config-file.js';
import { loadText } from '../src/sources/files.js';
import { scanLoaded } from '../src/pipeline/scan-files.js';
import { kshield } from './support/cli.js';

const RULE_IDS = rules.map((r) => r.id);

describe('edit distance (optimal string alignment)', () => {
  const cases: [string, string, number][] = [
    ['', '', 0],
    ['abc', 'abc', 0],
    ['', 'abc', 3],
    ['host-netwrk', 'host-network', 1], // an insertion
    ['hsot-pid', 'host-pid', 1], // a swap of neighbours is one edit
    ['host-pdi', 'host-pid', 1],
    ['kitten', 'sitting', 3],
    ['ca', 'abc', 3], // optimal string alignment: no substring is edited twice (full Damerau would say 2)
    ['run-as-non-rot', 'run-as-non-root', 1],
  ];
  for (const [a, b, d] of cases) {
    test(`"${a}" -> "${b}": ${d}`, () => {
      assert.equal(editDistance(a, b), d);
      assert.equal(editDistance(b, a), d, 'symmetric');
    });
  }

  test('with a limit, anything further is limit + 1, and never less than the truth', () => {
    assert.equal(editDistance('kitten', 'sitting', 1), 2);
    assert.equal(editDistance('abcdefgh', 'a', 2), 3);
    for (const [a, b, d] of cases) assert.equal(editDistance(a, b, d), d);
  });

  test('edits allowed grow with the word', () => {
    assert.deepEqual([1, 2, 3, 5, 6, 9, 10, 30].map(maxEdits), [0, 0, 1, 1, 2, 2, 3, 3]);
  });
});

describe('suggest over the rule ids and tags', () => {
  const names = selectorNames(rules);
  const table: [typed: string, expected: string[]][] = [
    ['host-netwrk', ['host-network']],
    ['run-as-non-rot', ['run-as-non-root']],
    ['hsot-pid', ['host-pid']],
    ['Host-Network', ['host-network']], // case is ignored
    ['privilged-container', ['privileged-container']],
    ['pss-baselin', ['pss-baseline']], // a tag
    ['pss-restriced', ['pss-restricted']],
    ['privilged', ['privileged-container', 'privileged-container-port']], // a shortened, misspelt id
    ['rbac-wildcard', ['rbac-wildcard-verbs', 'rbac-wildcard-resources', 'rbac-wildcard-api-groups']], // extensions, shortest first
    ['zzz', []],
    ['xy', []], // too short to guess at
    ['network-policy-allows-everything', []],
  ];
  for (const [typed, expected] of table) {
    test(`"${typed}" -> ${expected.length ? expected.join(', ') : 'nothing'}`, () => {
      assert.deepEqual(suggest(typed, names), expected);
    });
  }

  test('a word is never suggested to itself; the caller\'s order breaks ties; the limit holds', () => {
    assert.deepEqual(suggest('host-pid', RULE_IDS), ['host-ipc']);
    assert.deepEqual(suggest('abcd', ['abce', 'abcf']), ['abce', 'abcf']);
    assert.deepEqual(suggest('abcd', ['abcf', 'abce']), ['abcf', 'abce']);
    assert.deepEqual(suggest('host', RULE_IDS, { limit: 1 }), ['host-pid']);
    assert.deepEqual(suggest('host', RULE_IDS, { limit: 0 }), []);
  });

  test('only the closest: a misspelling beats an extension, fewer edits beat more', () => {
    assert.deepEqual(suggest('image-tag-lates', RULE_IDS), ['image-tag-latest']);
    assert.deepEqual(suggest('sidecar', ['sidecar-x', 'sidecars', 'sidecra', 'sidcra']), ['sidecars', 'sidecra']);
    assert.deepEqual(suggest('sidecar', ['sidecar-x']), ['sidecar-x']);
    assert.deepEqual(suggest('privilged-container', RULE_IDS), ['privileged-container'], 'not also privileged-container-port');
  });

  test('didYouMean phrases one, two or three suggestions, and nothing for none', () => {
    assert.equal(didYouMean([]), '');
    assert.equal(didYouMean(['a']), 'did you mean "a"?');
    assert.equal(didYouMean(['a', 'b']), 'did you mean "a" or "b"?');
    assert.equal(didYouMean(['a', 'b', 'c']), 'did you mean "a", "b" or "c"?');
  });

  test('many candidates stay fast (container names of a large pod, 150 rule ids)', () => {
    const many = Array.from({ length: 20_000 }, (_, i) => `container-${i}`);
    const started = performance.now();
    assert.deepEqual(suggest('containr-12345', many), ['container-12345']);
    assert.ok(performance.now() - started < 1000);
  });
});

describe('every place a name is typed uses it', () => {
  const annotated = (annotations: string): string => `apiVersion: v1
kind: Pod
metadata:
  name: agent
  namespace: ops
  annotations:
${annotations}
spec:
  containers:
  - {name: agent, image: registry.example.com/agent:1.4.2}
  - {name: sidecar, image: registry.example.com/agent:1.4.2}
`;
  const messages = (text: string): string[] => scanLoaded(loadText(text, 'pod.yaml'), { only: ['unknown-suppression'] }).findings.map((f) => f.message);

  test('annotations: a misspelt rule id or tag, and a misspelt container name', () => {
    assert.deepEqual(messages(annotated('    kshield.io/ignore: "host-netwrk, run-as-non-rot, pss-baselin, zzz"')), [
      'annotation kshield.io/ignore lists "host-netwrk", which is no rule id or tag: it suppresses nothing (did you mean "host-network"?)',
      'annotation kshield.io/ignore lists "run-as-non-rot", which is no rule id or tag: it suppresses nothing (did you mean "run-as-non-root"?)',
      'annotation kshield.io/ignore lists "pss-baselin", which is no rule id or tag: it suppresses nothing (did you mean "pss-baseline"?)',
      'annotation kshield.io/ignore lists "zzz", which is no rule id or tag: it suppresses nothing',
    ]);
    assert.deepEqual(messages(annotated('    kshield.io/ignore.sidecra: privileged-container')), [
      'annotation kshield.io/ignore.sidecra names container "sidecra", which Pod "agent" does not have: it suppresses nothing (did you mean "sidecar"?)',
    ]);
  });

  const configError = (text: string): ConfigError => {
    try {
      parseConfig(text, '.kshield.yaml', rules);
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      return err;
    }
    assert.fail('expected a ConfigError');
  };

  test('configuration: keys, rule ids and tags, wherever they are written', () => {
    assert.match(configError('failon: high\n').message, /unknown key "failon"; did you mean "failOn"\?/);
    assert.match(configError('enable: [run-as-non-rot]\n').message, /enable\[0\]: unknown rule id or tag "run-as-non-rot"; did you mean "run-as-non-root"\?/);
    assert.match(configError('disable: [pss-baselin]\n').message, /did you mean "pss-baseline"\?/);
    assert.match(configError('severity:\n  host-netwrk: low\n').message, /severity: unknown rule id "host-netwrk"; did you mean "host-network"\?/);
    assert.match(configError('exemptions:\n  - rules: [host-netwrk]\n    reason: r\n    owner: o\n').message, /exemptions\[0\]\.rules\[0\]: unknown rule id or tag "host-netwrk"; did you mean "host-network"\?/);
    assert.match(configError('webhook:\n  actions:\n    rules:\n      privilged-container: warn\n').message, /unknown rule id "privilged-container"; did you mean "privileged-container"/);
    assert.match(configError('webhook:\n  actions:\n    tags:\n      pss-restriced: warn\n').message, /unknown tag "pss-restriced"; did you mean "pss-restricted"\?/);
    // A misspelt required key is reported as the unknown key it is, with the name it was meant to be.
    assert.match(configError('exemptions:\n  - rules: [host-network]\n    reasn: r\n    owner: o\n').message, /unknown key "exemptions\[0\]\.reasn"; did you mean "reason"\?/);
  });

  test('--only and --skip', () => {
    assert.throws(() => selectRules(rules, { only: ['host-netwrk'] }), (err: Error) => err instanceof SelectionError && /unknown rule id or tag "host-netwrk"; did you mean "host-network"\?/.test(err.message));
    const cli = kshield(['scan', '-', '--skip', 'run-as-non-rot'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n');
    assert.equal(cli.code, 2);
    assert.equal(cli.stderr, 'kshield: error: unknown rule id or tag "run-as-non-rot"; did you mean "run-as-non-root"?\n');
    const far = kshield(['scan', '-', '--only', 'zzz'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n');
    assert.equal(far.stderr, 'kshield: error: unknown rule id or tag "zzz" (see `kshield rules`)\n');
  });

  test('explain: a misspelt id, and a tag where an id belongs', () => {
    const r = kshield(['explain', 'host-netwrk']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'kshield: error: unknown rule "host-netwrk"; did you mean "host-network"?\n');
    assert.equal(kshield(['explain', 'run-as-non-rot']).stderr, 'kshield: error: unknown rule "run-as-non-rot"; did you mean "run-as-non-root"?\n');
    assert.match(kshield(['explain', 'pss-baseline']).stderr, /"pss-baseline" is a tag, not a rule: `kshield rules --tag pss-baseline` lists its rules/);
  });

  test('rules --tag, and output formats', () => {
    assert.match(kshield(['rules', '--tag', 'pss-baselin']).stderr, /no rule has the tag or category "pss-baselin"; did you mean "pss-baseline"\?/);
    assert.match(kshield(['scan', '-', '-o', 'jsno'], '').stderr, /unknown output format "jsno"; did you mean "json"\? \(one of: table, json, sarif, junit, markdown, html\)/);
  });

  test('flags and commands: commander\'s own suggestion is on', () => {
    assert.match(kshield(['scan', '-', '--min-severty', 'high'], '').stderr, /unknown option '--min-severty'\n\(Did you mean --min-severity\?\)/);
    assert.match(kshield(['scna']).stderr, /unknown command 'scna'\n\(Did you mean scan\?\)/);
  });
});
