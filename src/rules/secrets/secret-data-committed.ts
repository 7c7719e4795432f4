import { secret } from '../examples.js';
import { defineRule } from '../define.js';
import { escapePointerToken } from '../../core/pointer.js';
import { FAKE_PEM, SECRETS_GOOD_PRACTICES, SECRET_DOC, b64, join, secretEntries, subject } from './shared.js';

const SEALED_SECRETS = 'https://github.com/bitnami-labs/sealed-secrets';

const EXTERNAL_SECRETS = 'https://external-secrets.io/';

/** A random-looking session key (high entropy, no vendor format). */
const FAKE_RANDOM = join('kS7hQ2', 'eXmP9l', 'Ev4Nr8', 'tZ3aW6');

export const secretDataCommitted = defineRule({
  id: 'secret-data-committed',
  title: 'Secret with a credential committed in a manifest',
  severity: 'high',
  category: 'secrets',
  tags: ['security', 'secrets'],
  appliesTo: ['Secret'],
  frameworks: { cis: ['5.4.2'] },
  description:
    'A Secret manifest carries its values in data (base64, which is an encoding, not encryption) or stringData. Committed ' +
    'to Git, they are readable by everyone with access to the repository, its forks, clones and CI logs, forever. Reported is ' +
    'each key whose value is a credential: a known credential format (private keys, cloud keys, tokens), a URL with a password, ' +
    'a literal under a key named like a secret or like key material (password, token, api-key, tls.key, auth: at least 4 ' +
    'characters), a config file with such a setting (admin_password = ...), a registry auth entry, a high-entropy token, or binary ' +
    'data. Configuration without credentials (a Grafana ini, a datasource URL, an Alertmanager route) is not, and is left to the ' +
    'info rule secret-committed. Empty values, placeholders ("changeme", "<password>", "REPLACE_ME", "xxxx"), template references ' +
    '("${VAR}", "{{ .Values.x }}"), SOPS ciphertext ("ENC[...]") and PEM certificates (tls.crt, ca.crt: public) are not data at all. ' +
    '`data` values are base64-decoded before they are judged. The finding names the key, what it holds and the length class ' +
    'of the credential itself ("16 to 31 characters"), never the value or anything computed from it.',
  remediation:
    'Remove the values from the repository and rotate them. Deliver Secrets from a secret manager (External Secrets Operator, ' +
    'the Secrets Store CSI driver), commit them encrypted (Sealed Secrets, SOPS), or generate them at deploy time.',
  references: [SECRETS_GOOD_PRACTICES, SECRET_DOC, SEALED_SECRETS, EXTERNAL_SECRETS],
  check: (resource) =>
    secretEntries(resource)
      .filter((e) => e.credential !== undefined)
      .map((e) => ({ path: `/${e.field}/${escapePointerToken(e.key)}`, message: `${subject(resource)} commits key ${JSON.stringify(e.key)} (in ${e.field}), which holds ${e.credential}` })),
  examples: {
    valid: [
      secret(`
        stringData:
          DB_USER: ""
          DB_PASSWORD: "<changeme>"
          API_TOKEN: "\${API_TOKEN}"
      `),
      secret(`
        data:
          password: ""
      `),
      // Configuration without credentials (kube-prometheus ships Grafana's settings as a Secret): secret-committed, info.
      secret(`
        stringData:
          grafana.ini: |
            [date_formats]
            default_timezone = UTC
          datasources.yaml: |
            datasources:
            - name: prometheus
              type: prometheus
              url: http://prometheus-k8s.monitoring.svc:9090
      `, 'grafana-config'),
    ],
    invalid: [
      {
        manifest: secret(`
        stringData:
          DB_PASSWORD: kshield-example-not-a-real-password
      `),
        expect: ['/stringData/DB_PASSWORD'],
      },
      {
        manifest: secret(`
        data:
          tls.crt: ${b64('-----BEGIN CERTIFICATE-----\nexample\n-----END CERTIFICATE-----')}
          tls.key: ${b64(FAKE_PEM)}
      `, 'shop-tls', 'kubernetes.io/tls'),
        expect: ['/data/tls.key'],
      },
      {
        manifest: secret(`
        stringData:
          grafana.ini: |
            [security]
            admin_user = admin
            admin_password = kshield-example
      `, 'grafana-config'),
        expect: ['/stringData/grafana.ini'],
      },
      {
        manifest: secret(`
        stringData:
          session-signing: ${FAKE_RANDOM}
      `, 'web-session'),
        expect: ['/stringData/session-signing'],
      },
    ],
  },
});
