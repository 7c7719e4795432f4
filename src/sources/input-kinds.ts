/**
 * Which files a directory walk reads, and as what, decided by name: Kubernetes manifests by their
 * extension, Dockerfiles by the names Docker and Podman build from, lockfiles by the names their
 * package managers write (packages/lockfiles). One function, so that every
 * place that looks at the files of a scan (the walk, the read, the look-ahead for CRDs) agrees.
 */
import path from 'node:path';
import { lockfileFormat } from '../packages/lockfiles/index.js';

/** What a file is read as. */
export type InputKind = 'manifests' | 'dockerfile' | 'lockfile';

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/**
 * Dockerfile names: `Dockerfile` (and `dockerfile`, which `docker build` falls back to), Podman's
 * `Containerfile` (and `containerfile`), and the conventions for several per directory:
 * `Dockerfile.<purpose>`, `<purpose>.Dockerfile`, `<purpose>.dockerfile` (the same for
 * Containerfile). A `.dockerignore` beside one (`Dockerfile.dockerignore`) is not one, nor are
 * templates that a tool fills in before anything builds them (`Dockerfile.j2`, `Dockerfile.tmpl`, ...)
 * nor backups and documentation.
 */
const DOCKERFILE_BASES = ['Dockerfile', 'dockerfile', 'Containerfile', 'containerfile'];
const NOT_DOCKERFILE_SUFFIXES = new Set([
  'dockerignore', 'containerignore', 'md', 'txt', 'rst', 'adoc', 'orig', 'bak', 'old', 'swp', 'rej', 'patch', 'diff',
  'j2', 'jinja', 'jinja2', 'tmpl', 'tpl', 'template', 'erb', 'mustache', 'hbs', 'ejs', 'in', 'sh', 'ps1', 'lock', 'sum',
  // Source code about Dockerfiles (a parser's dockerfile.ts, dockerfile.go, dockerfile_test.py), and what builds make of it.
  'ts', 'tsx', 'mts', 'cts', 'js', 'jsx', 'mjs', 'cjs', 'map', 'go', 'py', 'pyc', 'rb', 'java', 'kt', 'kts', 'scala', 'groovy', 'rs',
  'c', 'h', 'cc', 'cpp', 'hpp', 'cs', 'fs', 'swift', 'php', 'pl', 'lua', 'ex', 'exs', 'erl', 'clj', 'dart', 'r', 'jl', 'zig', 'nim',
  'html', 'htm', 'css', 'scss', 'sass', 'less', 'vue', 'svelte', 'snap', 'class', 'jar', 'o', 'so', 'a', 'dll', 'exe', 'wasm',
  'png', 'jpg', 'jpeg', 'gif', 'svg', 'ico', 'pdf', 'zip', 'gz', 'tgz', 'xz', 'bz2', 'zst', 'tar',
]);

/** Whether a file name (no directory) is a Dockerfile's. */
export function isDockerfileName(name: string): boolean {
  if (DOCKERFILE_BASES.includes(name)) return true;
  for (const base of DOCKERFILE_BASES) {
    if (name.startsWith(`${base}.`) && name.length > base.length + 1) {
      const suffix = name.slice(base.length + 1);
      const last = suffix.slice(suffix.lastIndexOf('.') + 1).toLowerCase();
      return !NOT_DOCKERFILE_SUFFIXES.has(last) && !MANIFEST_EXTENSIONS.has(`.${last}`);
    }
    if (name.endsWith(`.${base}`) && name.length > base.length + 1) return true;
  }
  return false;
}

/** What a file found in a directory is read as, or undefined when a walk leaves it out. */
export function inputKindOf(file: string): InputKind | undefined {
  const name = path.basename(file);
  // kshield's own configuration sits at a repository's root: it is read as configuration, not scanned.
  if (name === '.kshield.yaml' || name === '.kshield.yml') return undefined;
  // Before the extensions: package-lock.json and pnpm-lock.yaml are lockfiles, not manifests.
  if (lockfileFormat(name)) return 'lockfile';
  if (MANIFEST_EXTENSIONS.has(path.extname(name).toLowerCase())) return 'manifests';
  if (isDockerfileName(name)) return 'dockerfile';
  return undefined;
}
