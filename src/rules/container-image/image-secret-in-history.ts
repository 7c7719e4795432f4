import { defineRule } from '../define.js';
import { detectSecrets } from '../../core/secrets-detect.js';
import { shellAssignments } from '../../core/redact.js';
import { FAKE_GITHUB_TOKEN } from '../secrets/shared.js';
import { APPLIES_TO, describeHit, envSecrets, hasConfiguration, IMAGE_CONFIG_REFERENCE, imageExample, viewOf } from './shared.js';

export const imageSecretInHistory = defineRule({
  id: 'image-secret-in-history',
  title: 'A secret in the image build history',
  severity: 'high',
  category: 'container-image',
  tags: ['image', 'secrets', 'security'],
  appliesTo: APPLIES_TO,
  description:
    'A `created_by` line of the image history records a credential: a build argument (BuildKit writes `|N KEY=value` before a ' +
    'RUN), an assignment in a RUN line, or a credential format anywhere in the line. The history is part of the image ' +
    'configuration, readable by anyone who can pull it. An ENV line whose value is already reported by ' +
    '`image-secret-in-env` is not reported again (one cause, one finding). The value is never printed.',
  remediation: 'Rebuild without passing the secret as a build argument or writing it in a RUN line, and rotate it: the history is part of the image. Use build secrets (RUN --mount=type=secret).',
  references: [IMAGE_CONFIG_REFERENCE, 'https://docs.docker.com/build/building/secrets/'],
  check: (resource) => {
    const view = viewOf(resource);
    if (!hasConfiguration(view) || !Array.isArray(view.history)) return [];
    const flaggedEnv = new Set(envSecrets(view).map((s) => `${s.key}=${s.value}`));
    return view.history.flatMap((h, i) => {
      const line = h?.created_by;
      if (typeof line !== 'string' || line === '') return [];
      const hits: string[] = [];
      const seen = new Set<string>();
      for (const { key, value } of shellAssignments(line)) {
        if (flaggedEnv.has(`${key}=${value}`)) {
          seen.add(value);
          continue;
        }
        const hit = detectSecrets(key, value)[0];
        if (hit && !seen.has(hit.secret)) {
          seen.add(hit.secret);
          hits.push(`${key} (${describeHit(hit)})`);
        }
      }
      for (const hit of detectSecrets(undefined, line, { decode: false })) {
        if ([...seen].some((s) => s.includes(hit.secret) || hit.secret.includes(s))) continue;
        seen.add(hit.secret);
        hits.push(describeHit(hit));
      }
      return hits.length > 0 ? [{ path: `/history/${i}/created_by`, message: `build step ${i} of the history records ${hits.join(', ')}; the history is readable by anyone who can pull the image` }] : [];
    });
  },
  examples: {
    valid: [
      imageExample(`config: {User: "10001", Env: ["GITHUB_TOKEN=${FAKE_GITHUB_TOKEN}"]}
history:
- {created_by: 'ENV GITHUB_TOKEN=${FAKE_GITHUB_TOKEN}', empty_layer: true}
- {created_by: 'RUN /bin/sh -c make install # buildkit'}`),
    ],
    invalid: [
      {
        manifest: imageExample(`config: {User: "10001"}
history:
- {created_by: '|1 NPM_TOKEN=${FAKE_GITHUB_TOKEN} /bin/sh -c npm ci # buildkit'}`),
        expect: [{ path: '/history/0/created_by', message: 'build step 0 of the history records NPM_TOKEN' }],
      },
    ],
  },
});
