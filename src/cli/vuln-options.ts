/** The vulnerability-matching options `image`, `deps` and `vulns` share (light: loaded with every command). */
import { Option, type Command } from 'commander';
import { goDurationMs } from '../core/duration.js';
import { UsageError } from '../core/errors.js';
import type { Severity } from '../core/types.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export interface VulnerabilityFlags {
  db?: string;
  cacheDir?: string;
  vex: string[];
  ignoreUnfixed?: boolean;
  failOn?: Severity | 'none';
  maxDbAge: string;
  output?: string;
  /** `--no-vulns` (image, deps): false. */
  vulns?: boolean;
}

/**
 * Adds the matching options to a command. `image` and `deps` have a --fail-on of their own (over
 * every finding, the vulnerabilities included) and match only where a database is there to match
 * against (`--no-vulns` turns it off); `vulns` exists to match, so a missing database is an error.
 */
export function vulnerabilityOptions(command: Command, options: { failOn?: boolean; optional?: boolean } = {}): Command {
  if (options.optional) command.option('--no-vulns', 'do not match packages against the vulnerability database');
  command
    .option('--db <dir>', 'read advisories from this folder of OSV JSON files (or a copy of the cache holding osv-index.v1) instead of the cache')
    .option('--cache-dir <dir>', 'the cache `kshield db update` fills (default: $XDG_CACHE_HOME/kshield, else ~/.cache/kshield)')
    .addOption(new Option('--vex <file>', 'OpenVEX or CycloneDX VEX document: statements mark vulnerabilities not affecting (repeatable)').argParser(collect).default([]))
    .option('--ignore-unfixed', 'leave out vulnerabilities no fixed version is known for')
    .option('--max-db-age <age>', 'warn when the database is older than this (e.g. 7d, 36h)', '7d');
  if (options.failOn !== false)
    command.addOption(new Option('--fail-on <severity>', 'exit 1 when a vulnerability not marked by VEX is at or above this severity').choices(['critical', 'high', 'medium', 'low', 'info', 'none']).default('none'));
  return command;
}

/** "7d", "36h", "90m", "1h30m": milliseconds. */
export function parseAge(value: string, flag = '--max-db-age'): number {
  const text = value.trim();
  const days = /^(\d+(?:\.\d+)?)d$/.exec(text);
  const ms = days ? Number(days[1]) * 86_400_000 : goDurationMs(text);
  if (!Number.isFinite(ms) || ms <= 0) throw new UsageError(`${flag}: expected an age such as 7d, 36h or 90m, got "${value}"`);
  return ms;
}

