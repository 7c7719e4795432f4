import { IMAGE, deployment } from '../examples.js';
import type { Violation } from '../../core/types.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { asArray, fieldAt, isObject, asString } from '../../core/values.js';
import { ENV_DOC, SECRETS_GOOD_PRACTICES, } from './shared.js';

export const secretAsEnvVar = defineRule({
  id: 'secret-as-env-var',
  title: 'Secret exposed as an environment variable',
  severity: 'low',
  category: 'secrets',
  tags: ['security', 'secrets', 'cis'],
  frameworks: { cis: ['5.4.1'] },
  appliesTo: 'workloads',
  description:
    'Environment variables leak more easily than files: into crash dumps, debug endpoints, child processes and logs ' +
    'of tools that print their environment. Secrets mounted as files can also be rotated without restarting the pod.',
  remediation: 'Mount the Secret as a volume and have the application read the file (many images support a *_FILE variable).',
  references: [SECRETS_GOOD_PRACTICES, ENV_DOC],
  check: (resource) =>
    perContainer(resource, (c) => {
      const out: Omit<Violation, 'container'>[] = [];
      asArray(c.container.env).forEach((e, i) => {
        const ref = fieldAt(e, 'valueFrom', 'secretKeyRef');
        if (!isObject(ref)) return;
        const secret = asString(ref.name);
        out.push({
          path: `${c.path}/env/${i}/valueFrom/secretKeyRef`,
          message: `${describeContainer(c)} reads Secret ${secret !== undefined ? `"${secret}"` : '(unnamed)'} into env var ${asString(fieldAt(e, 'name')) ?? '(unnamed)'}`,
        });
      });
      asArray(c.container.envFrom).forEach((e, i) => {
        const ref = fieldAt(e, 'secretRef');
        if (!isObject(ref)) return;
        const secret = asString(ref.name);
        out.push({
          path: `${c.path}/envFrom/${i}/secretRef`,
          message: `${describeContainer(c)} imports every key of Secret ${secret !== undefined ? `"${secret}"` : '(unnamed)'} as env vars`,
        });
      });
      return out;
    }),
  examples: {
    valid: [
      deployment(`
          containers:
          - name: api
            image: ${IMAGE}
            env:
            - name: DB_PASSWORD_FILE
              value: /run/secrets/db/password
            volumeMounts: [{name: db, mountPath: /run/secrets/db, readOnly: true}]
          volumes:
          - name: db
            secret: {secretName: api-db}
        `),
    ],
    invalid: [
      {
        manifest: deployment(`
          containers:
          - name: api
            image: ${IMAGE}
            env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef: {name: api-db, key: password}
            envFrom:
            - secretRef: {name: api-keys}
        `),
        expect: ['/spec/template/spec/containers/0/env/0/valueFrom/secretKeyRef', '/spec/template/spec/containers/0/envFrom/0/secretRef'],
      },
    ],
  },
});
