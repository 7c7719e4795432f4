/**
 * The lockfile formats kshield reads, by file name: which reader, which ecosystem, and which file
 * beside it says what the project declares. Readers are pure: text in, packages and notes out.
 */
import type { Ecosystem } from '../model.js';
import type { LockfileReader } from './common.js';
import { readPackageLock } from './package-lock.js';
import { readYarnLock } from './yarn-lock.js';
import { readPnpmLock } from './pnpm-lock.js';
import { readRequirements } from './requirements.js';
import { readPipfileLock, readPoetryLock } from './python-locks.js';
import { readGoMod } from './go-mod.js';
import { readPom } from './pom.js';
import { readCargoLock } from './cargo-lock.js';

export { LockfileError, type LockfileContext, type LockfileNote, type LockfileResult, type LockfileReader } from './common.js';
export { pomCoordinates } from './pom.js';

export interface LockfileFormat {
  /** Short name shown in reports: package-lock, yarn.lock, ... */
  format: string;
  ecosystem: Ecosystem;
  read: LockfileReader;
  /** The manifest beside the lockfile that tells direct dependencies apart. */
  manifest?: string;
}

const BY_NAME: Record<string, LockfileFormat> = {
  'package-lock.json': { format: 'package-lock', ecosystem: 'npm', read: readPackageLock, manifest: 'package.json' },
  'npm-shrinkwrap.json': { format: 'package-lock', ecosystem: 'npm', read: readPackageLock, manifest: 'package.json' },
  'yarn.lock': { format: 'yarn.lock', ecosystem: 'npm', read: readYarnLock, manifest: 'package.json' },
  'pnpm-lock.yaml': { format: 'pnpm-lock', ecosystem: 'npm', read: readPnpmLock },
  'poetry.lock': { format: 'poetry.lock', ecosystem: 'PyPI', read: readPoetryLock, manifest: 'pyproject.toml' },
  'Pipfile.lock': { format: 'Pipfile.lock', ecosystem: 'PyPI', read: readPipfileLock, manifest: 'Pipfile' },
  'go.mod': { format: 'go.mod', ecosystem: 'Go', read: readGoMod },
  'pom.xml': { format: 'pom.xml', ecosystem: 'Maven', read: readPom },
  'Cargo.lock': { format: 'Cargo.lock', ecosystem: 'crates.io', read: readCargoLock },
};

const REQUIREMENTS: LockfileFormat = { format: 'requirements', ecosystem: 'PyPI', read: readRequirements };

/** The format of a file by its base name, or undefined when it is not a lockfile kshield reads. */
export function lockfileFormat(baseName: string): LockfileFormat | undefined {
  if (Object.prototype.hasOwnProperty.call(BY_NAME, baseName)) return BY_NAME[baseName];
  // requirements.txt, requirements-dev.txt, requirements_test.txt, requirements.prod.txt
  if (/^requirements(?:[-_.][A-Za-z0-9_.-]+)?\.txt$/.test(baseName)) return REQUIREMENTS;
  return undefined;
}

/** The file names the walk recognises, for help text and docs. */
export const LOCKFILE_NAMES = [...Object.keys(BY_NAME), 'requirements*.txt'];
