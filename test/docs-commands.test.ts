/**
 * Every transcript in the docs is run, so the docs cannot rot: each `console` block of README.md,
 * docs/*.md and bench/README.md (the convention is at the top of test/support/docs-blocks.ts and in
 * docs/ARCHITECTURE.md). Each `$ ` line runs in `sh`, with
 * - `kshield` and `kubectl kshield` meaning the built CLI, `node dist/src/cli/main.js`;
 * - `npm start` and `npm run NAME` running that package.json script without its leading
 *   `npm run build --silent &&` (the suite has just built; a rebuild would swap dist/ under the test
 *   files running beside this one);
 * - the working directory a scratch directory holding a link to every top-level entry of the
 *   repository: relative paths read the repository's files as from its root, and files a command
 *   writes (`-o webhook.yaml`, `./node-fixtures/`) land in the scratch directory, not the checkout.
 *   The commands of one block share it, in order.
 * It checks the exit code and that the output shown is the real output (standard output and error
 * together, as a terminal shows them). Links between the pages are checked too.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { cli, root } from './support/cli.js';
import { compareOutput, consoleBlocks, docFiles, readDocBlocks, type DocBlock } from './support/docs-blocks.js';
import { EMPTY_CACHE } from './support/cli.js';

const scripts: Record<string, string> = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts;
const BUILD_FIRST = /^npm run build --silent && /;

/** The shell line that runs a documented command here. */
function shellLine(command: string): string {
  const npm = /^npm (?:start|run ([\w:-]+))$/.exec(command);
  if (npm) {
    const script = scripts[npm[1] ?? 'start'];
    assert.ok(script, `package.json has no script for "${command}"`);
    return script.replace(BUILD_FIRST, '');
  }
  return command.replace(/\bkubectl kshield\b/g, 'kshield');
}

function scratchDir(): { dir: string; bin: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kshield-docs-'));
  for (const name of readdirSync(root)) {
    if (name === '.git' || name === 'node-fixtures') continue;
    symlinkSync(path.join(root, name), path.join(dir, name));
  }
  const bin = mkdtempSync(path.join(os.tmpdir(), 'kshield-docs-bin-'));
  writeFileSync(path.join(bin, 'kshield'), `#!/bin/sh\nexec "${process.execPath}" "${cli}" "$@"\n`);
  chmodSync(path.join(bin, 'kshield'), 0o755);
  return { dir, bin };
}

/** The start and the end of a long output, for a failure message. */
function excerpt(text: string): string {
  const lines = text.split('\n');
  return lines.length <= 60 ? text : [...lines.slice(0, 30), `[... ${lines.length - 50} lines ...]`, ...lines.slice(-20)].join('\n');
}

function runBlock(block: DocBlock): void {
  const { dir, bin } = scratchDir();
  try {
    for (const c of block.commands) {
      const where = `${block.file}:${c.line}: $ ${c.command}`;
      // One pipe for both streams keeps their order as a terminal shows it.
      const r = spawnSync('sh', ['-c', `(${shellLine(c.command)}\n) 2>&1`], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, XDG_CACHE_HOME: EMPTY_CACHE, PATH: [bin, path.dirname(process.execPath), process.env.PATH].join(path.delimiter), NO_COLOR: '1', FORCE_COLOR: '0' },
      });
      assert.equal(r.error, undefined, `${where}: ${r.error?.message}`);
      assert.equal(r.status, c.exitCode, `${where}: exit code ${r.status}, the docs say ${c.exitCode}${c.exitCode === 0 ? ' (write "# exit N" after the command otherwise)' : ''}\n${excerpt(r.stdout)}`);
      const problem = compareOutput(c.expected, r.stdout);
      assert.equal(problem, undefined, `${where}: ${problem}\n--- real output ---\n${excerpt(r.stdout)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(bin, { recursive: true, force: true });
  }
}

const blocks = readDocBlocks(root);

describe('the commands shown in the docs', () => {
  test('there are transcripts to run, and every console block starts with a command', () => {
    assert.ok(blocks.length >= 20, `only ${blocks.length} console blocks found in ${docFiles(root).join(', ')}`);
    for (const b of blocks) assert.equal(b.problem, undefined, `${b.file}:${b.line}: ${b.problem}`);
  });
  for (const block of blocks) {
    if (block.problem) continue;
    test(`${block.file}:${block.line}: ${block.commands.map((c) => `$ ${c.command}`).join('; ')}`, () => runBlock(block));
  }
});

describe('the transcript checker', () => {
  const md = (body: string) => consoleBlocks('x.md', '# t\n\n```console\n' + body + '\n```\n');
  test('reads commands, exit codes, continuation lines and the output shown', () => {
    const [b] = md('$ kshield scan a \\\n    b  # exit 1\nline 1\n\n$ kshield rules\n...');
    assert.deepEqual(
      b.commands.map((c) => [c.command, c.line, c.exitCode, c.expected]),
      [
        ['kshield scan a b', 4, 1, ['line 1']],
        ['kshield rules', 8, 0, ['...']],
      ],
    );
    assert.match(md('no command')[0].problem ?? '', /must start with a "\$ " command/);
    assert.equal(consoleBlocks('x.md', '```sh\n$ kshield scan\n```\n').length, 0);
  });
  test('the output shown must be the real output, with ... for what is left out', () => {
    const out = 'a\nb\nc\nd\n';
    assert.equal(compareOutput(['a', 'b', 'c', 'd'], out), undefined);
    assert.equal(compareOutput(['a', '...', 'd'], out), undefined);
    assert.equal(compareOutput(['...', 'c', 'd'], out), undefined);
    assert.equal(compareOutput(['a', '...'], out), undefined);
    assert.equal(compareOutput(['...', 'b', '...'], out), undefined);
    assert.equal(compareOutput(['a', 'b', 'c', 'd...'], out), undefined);
    assert.match(compareOutput(['a', 'c'], out) ?? '', /"a" \(2 line\(s\)\) not found at the start/);
    assert.match(compareOutput(['a', 'b'], out) ?? '', /the real output has 4 lines where 2 are shown/);
    assert.match(compareOutput(['a', '...', 'x'], out) ?? '', /"x".*not found at the end/);
    assert.match(compareOutput(['b', '...'], out) ?? '', /"b".*not found at the start/);
    assert.match(compareOutput(['...', 'c', 'b', '...'], out) ?? '', /not found in order/);
    assert.match(compareOutput([], out) ?? '', /no output is shown/);
    assert.equal(compareOutput([], ''), undefined);
  });
  test('a command with the wrong exit code or output fails its block', () => {
    const [wrongExit] = md('$ kshield explain no-such-rule');
    assert.throws(() => runBlock(wrongExit), /exit code 2, the docs say 0/);
    const [wrongOutput] = md('$ kshield explain privileged-container\nprivileged-container — something else\n...');
    assert.throws(() => runBlock(wrongOutput), /not found at the start/);
    const [right] = md('$ kshield explain no-such-rule  # exit 2\nkshield: error: unknown rule "no-such-rule"...');
    runBlock(right);
  });
});

describe('links between the docs', () => {
  test('every relative link of README.md, docs/*.md and bench/README.md names a file that exists', () => {
    // docs/rules/ is generated by its own script and checked by its own test; its pages are linked
    // from here once they exist.
    const generatedRules = existsSync(path.join(root, 'docs/rules/README.md'));
    const missing: string[] = [];
    for (const f of docFiles(root)) {
      const text = readFileSync(path.join(root, f), 'utf8').replace(/```[^]*?```/g, '');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1].split('#')[0];
        if (!target || /^[a-z]+:/.test(target)) continue;
        const resolved = path.normalize(path.join(path.dirname(f), target));
        if (!generatedRules && resolved.startsWith(`docs${path.sep}rules${path.sep}`)) continue;
        if (!existsSync(path.join(root, resolved))) missing.push(`${f}: ${m[1]}`);
      }
    }
    assert.deepEqual(missing, []);
  });
});
