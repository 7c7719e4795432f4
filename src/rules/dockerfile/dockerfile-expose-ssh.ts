import { defineRule } from '../define.js';
import { APPLIES_TO, DOCKERFILE_REFERENCE, dockerfile, finalImageInstructions, viewOf } from './shared.js';

export const dockerfileExposeSsh = defineRule({
  id: 'dockerfile-expose-ssh',
  title: 'The image exposes SSH (port 22)',
  severity: 'medium',
  category: 'dockerfile',
  tags: ['dockerfile', 'exposure', 'security'],
  appliesTo: APPLIES_TO,
  description:
    'EXPOSE 22 in the final image says the container runs an SSH server: a second way in with its own credentials and keys to ' +
    'manage, bypassing the Kubernetes API\'s authentication, authorization and audit (`kubectl exec` and `kubectl debug` do that ' +
    'job). Ranges that include 22 count; stages only copied from do not.',
  remediation: 'Remove the SSH server and EXPOSE 22; use `kubectl exec` or `kubectl debug` to get a shell.',
  references: [`${DOCKERFILE_REFERENCE}#expose`, 'https://kubernetes.io/docs/tasks/debug/debug-application/debug-running-pod/'],
  check: (resource) =>
    finalImageInstructions(viewOf(resource)).flatMap(({ instruction, pointer }) => {
      if (instruction.keyword !== 'EXPOSE') return [];
      return instruction.arguments.flatMap((arg, k) => {
        const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(arg.trim());
        if (!m || (m[3] && m[3].toLowerCase() !== 'tcp')) return [];
        const low = Number(m[1]);
        const high = m[2] === undefined ? low : Number(m[2]);
        return low <= 22 && 22 <= high ? [{ path: `${pointer}/arguments/${k}`, message: `the image exposes port 22 (SSH)${m[2] === undefined ? '' : ` in the range ${arg}`}` }] : [];
      });
    }),
  examples: {
    valid: [
      dockerfile(`
        FROM debian:12-slim
        EXPOSE 8080/tcp 53/udp`),
      dockerfile(`
        FROM debian:12-slim AS tools
        EXPOSE 22
        FROM gcr.io/distroless/static-debian12:nonroot
        EXPOSE 8443`),
    ],
    invalid: [
      {
        manifest: dockerfile(`
          FROM ubuntu:24.04
          RUN apt-get update && apt-get install -y --no-install-recommends openssh-server && rm -rf /var/lib/apt/lists/*
          EXPOSE 8080 22/tcp`),
        expect: ['/stages/0/instructions/2/arguments/1'],
      },
    ],
  },
});
