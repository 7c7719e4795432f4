/**
 * Runs a Node script in this very process and records its resource usage when the process
 * exits, however it exits (natural end, process.exit, exitCode). Peak RSS must be measured per
 * tool run, and `/usr/bin/time -v` is not everywhere: `process.resourceUsage()` is.
 *
 *   node dist/bench/rss-wrapper.js <usage.json> <script.js> [args...]
 *
 * The script sees `process.argv` as if it had been started directly.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [usageFile, script, ...args] = process.argv.slice(2);
if (!usageFile || !script) {
  process.stderr.write('usage: rss-wrapper <usage.json> <script.js> [args...]\n');
  process.exit(64);
}

process.on('exit', (code) => {
  const u = process.resourceUsage();
  // maxRSS is in KiB
  writeFileSync(usageFile, JSON.stringify({ maxRssKiB: u.maxRSS, userMs: u.userCPUTime / 1000, systemMs: u.systemCPUTime / 1000, exitCode: code }));
});

const target = path.resolve(script);
process.argv = [process.argv[0], target, ...args];
await import(pathToFileURL(target).href);
