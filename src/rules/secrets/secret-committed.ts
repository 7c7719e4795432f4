import { secret } from '../examples.js';
import { defineRule } from '../define.js';
import { SECRETS_GOOD_PRACTICES, SECRET_DOC, secretEntries, subject } from './shared.js';

export const secretCommitted = defineRule({
  id: 'secret-committed',
  title: 'Secret committed in a manifest (no credential recognised)',
  severity: 'info',
  category: 'secrets',
  tags: ['secrets'],
  appliesTo: ['Secret'],
  description:
    'A Secret manifest with data in which no credential was recognised: configuration such as a Grafana ini, a datasource file ' +
    'without a password, or an Alertmanager routing file. It is not a leaked credential, but whatever is added to it later ' +
    'will be committed too, readable by everyone with the repository. One finding per Secret, and none when secret-data-committed ' +
    'reports a credential in it.',
  remediation: 'Keep it if the values are not confidential (a ConfigMap says so more clearly), or deliver the Secret from a secret manager or in encrypted form.',
  references: [SECRETS_GOOD_PRACTICES, SECRET_DOC],
  check: (resource) => {
    const entries = secretEntries(resource);
    if (entries.length === 0 || entries.some((e) => e.credential !== undefined)) return [];
    const keys = entries.map((e) => JSON.stringify(e.key));
    const shown = keys.length > 5 ? `${keys.slice(0, 5).join(', ')} and ${keys.length - 5} more` : keys.join(', ');
    return [{ path: `/${entries[0].field}`, message: `${subject(resource)} is committed with data (${keys.length === 1 ? 'key' : 'keys'} ${shown}) in which no credential was recognised` }];
  },
  examples: {
    valid: [secret('stringData:\n  DB_PASSWORD: "<changeme>"'), secret('stringData:\n  DB_PASSWORD: kshield-example-not-a-real-password')],
    invalid: [
      {
        manifest: secret(`
        stringData:
          alertmanager.yaml: |
            route:
              receiver: default
              group_by: [namespace]
            receivers:
            - name: default
      `, 'alertmanager-main'),
        expect: ['/stringData'],
      },
    ],
  },
});
