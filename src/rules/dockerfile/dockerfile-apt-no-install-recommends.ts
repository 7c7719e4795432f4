import { defineRule } from '../define.js';
import { APPLIES_TO, DOCKERFILE_BEST_PRACTICES, dockerfile, finalImageInstructions, packageCommand, runPrograms, viewOf } from './shared.js';

const RECOMMENDS_OFF = /APT::Install-Recommends\s*[= ]\s*"?(?:0|false)"?/i;

export const dockerfileAptNoInstallRecommends = defineRule({
  id: 'dockerfile-apt-no-install-recommends',
  title: 'apt-get install without --no-install-recommends',
  severity: 'low',
  category: 'dockerfile',
  tags: ['dockerfile', 'supply-chain'],
  appliesTo: APPLIES_TO,
  description:
    'apt installs every package\'s "Recommends" too unless told otherwise: often dozens of packages nobody asked for (a full ' +
    'Perl, X11 libraries, documentation tools), each one more thing to patch and to scan, and more binaries for an attacker. ' +
    'Only the stages of the final image are judged; what a build stage installs does not ship. An `APT::Install-Recommends "0"` ' +
    'setting written by an earlier RUN, or `-o APT::Install-Recommends=false`, counts as the flag.',
  remediation: 'Add `--no-install-recommends` to `apt-get install` and name the recommended packages you do need.',
  references: [`${DOCKERFILE_BEST_PRACTICES}#apt-get`, 'https://manpages.debian.org/bookworm/apt/apt-get.8.en.html'],
  check: (resource) => {
    const view = viewOf(resource);
    let off = false;
    const out = [];
    for (const run of runPrograms(finalImageInstructions(view))) {
      if (run.command.words.some((w) => RECOMMENDS_OFF.test(w)) || run.command.redirects.some((r) => RECOMMENDS_OFF.test(r.target))) off = true;
      const pkg = packageCommand(run.program);
      if (!pkg || !['apt-get', 'apt'].includes(pkg.manager) || pkg.subcommand !== 'install' || pkg.packages.length === 0) continue;
      if (off || pkg.options.some((o) => o === '--no-install-recommends' || RECOMMENDS_OFF.test(o))) continue;
      out.push({ path: run.commandPointer, message: `${pkg.manager} install of ${pkg.packages.length === 1 ? pkg.packages[0] : `${pkg.packages.length} packages`} also installs their recommended packages (no --no-install-recommends)` });
    }
    return out;
  },
  examples: {
    valid: [
      dockerfile(`
        FROM debian:12-slim
        RUN apt-get update \\
         && apt-get install -y --no-install-recommends ca-certificates curl \\
         && rm -rf /var/lib/apt/lists/*`),
      dockerfile(`
        FROM debian:12 AS build
        RUN apt-get update && apt-get install -y build-essential
        FROM debian:12-slim
        COPY --from=build /out /app`),
    ],
    invalid: [
      {
        manifest: dockerfile(`
          FROM ubuntu:24.04
          RUN apt-get update \\
           && apt-get install -y python3 python3-pip \\
           && rm -rf /var/lib/apt/lists/*`),
        expect: [{ path: '/stages/0/instructions/1/commands/1', message: 'apt-get install of 2 packages' }],
      },
    ],
  },
});
