import { defineRule } from '../define.js';
import { APPLIES_TO, DOCKERFILE_BEST_PRACTICES, allInstructions, dockerfile, packageCommand, runPrograms, viewOf } from './shared.js';

export const dockerfileSudo = defineRule({
  id: 'dockerfile-sudo',
  title: 'sudo in a RUN, or installed in the image',
  severity: 'medium',
  category: 'dockerfile',
  tags: ['dockerfile', 'security'],
  appliesTo: APPLIES_TO,
  description:
    'A RUN that uses sudo (or doas) means the build switches users and back with a tool made for interactive logins: its TTY ' +
    'and signal handling are unpredictable in a build, and it only works because sudo and a sudoers entry are in the image, ' +
    'where they give any process of that user a way to root. A package install of sudo or doas is reported for the same reason.',
  remediation: 'Run the steps that need root under `USER root` and switch back with `USER <app>`; to drop privileges at start use gosu, su-exec or setpriv. Do not install sudo.',
  references: [`${DOCKERFILE_BEST_PRACTICES}#user`],
  check: (resource) => {
    const out = [];
    for (const run of runPrograms(allInstructions(viewOf(resource)))) {
      if (run.program.sudo) out.push({ path: run.commandPointer, message: `RUN uses sudo to run ${run.program.name}` });
      const pkg = packageCommand(run.program);
      if (pkg && (pkg.subcommand === 'install' || pkg.subcommand === 'add')) {
        const installed = pkg.packages.find((p) => p === 'sudo' || p === 'doas' || p.startsWith('sudo=') || p.startsWith('doas='));
        if (installed) out.push({ path: run.commandPointer, message: `${pkg.manager} ${pkg.subcommand} installs ${installed.split('=')[0]} into the image` });
      }
    }
    return out;
  },
  examples: {
    valid: [
      dockerfile(`
        FROM debian:12-slim
        USER root
        RUN apt-get update && apt-get install -y --no-install-recommends gosu && rm -rf /var/lib/apt/lists/*
        USER app`),
    ],
    invalid: [
      {
        manifest: dockerfile(`
          FROM ubuntu:24.04
          RUN apt-get update && apt-get install -y --no-install-recommends sudo && rm -rf /var/lib/apt/lists/*
          USER ubuntu
          RUN sudo -u root chown -R ubuntu /srv`),
        expect: [
          { path: '/stages/0/instructions/1/commands/1', message: 'installs sudo' },
          { path: '/stages/0/instructions/3/commands/0', message: 'RUN uses sudo to run chown' },
        ],
      },
    ],
  },
});
