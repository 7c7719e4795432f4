import type { JsonObject, Resource, Violation } from '../../core/types.js';
import { defineRule } from '../define.js';
import { asObject, asString } from '../../core/values.js';
import { podSpecs } from '../../k8s/pods.js';
import { escapePointerToken } from '../../core/pointer.js';
import { detectSecrets } from '../../core/secrets-detect.js';
import { describeHit } from '../../core/redact.js';
import { FAKE_GITHUB_TOKEN, SECRETS_GOOD_PRACTICES, join, subject } from './shared.js';

/** Annotations of kshield itself: suppressions and reasons, never credentials. */
const OWN_ANNOTATION = /^kshield\.io\//;

const FAKE_AWS_KEY_ID = join('AK', 'IA', 'KSHIELDEXAMPLE00');

interface AnnotationSite {
  annotations: JsonObject;
  path: string;
  where: string;
}

function annotationSites(resource: Resource): AnnotationSite[] {
  const sites: AnnotationSite[] = [];
  const own = asObject(asObject(resource.object.metadata)?.annotations);
  if (own) sites.push({ annotations: own, path: '/metadata/annotations', where: '' });
  for (const pod of podSpecs(resource)) {
    const a = asObject(pod.metadata?.annotations);
    if (a) sites.push({ annotations: a, path: `${pod.metadataPath}/annotations`, where: ' (pod template)' });
  }
  return sites;
}

export const annotationCredentials = defineRule({
  id: 'annotation-credentials',
  title: 'Annotation holds a credential',
  severity: 'high',
  category: 'secrets',
  tags: ['security', 'secrets'],
  appliesTo: 'all',
  description:
    'Annotations are plain metadata: every user and controller allowed to list the object reads them, and they are copied ' +
    'into events, logs and backups. Reported are annotation values (on the object or its pod template) in a well-known ' +
    'credential format, URLs with an embedded password, and literal values of annotations named like a secret (…/api-token, ' +
    '…/password); base64 values are decoded first. kubectl.kubernetes.io/last-applied-configuration is searched too: `kubectl ' +
    'apply` copies a whole object, Secret data included, into it. Digests (checksum/secret) are not credentials and are skipped.',
  remediation: 'Move the credential into a Secret that the consumer reads, rotate it, and remove the annotation.',
  references: ['https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations/', SECRETS_GOOD_PRACTICES],
  check: (resource) => {
    const out: Violation[] = [];
    for (const site of annotationSites(resource)) {
      for (const [key, raw] of Object.entries(site.annotations)) {
        if (OWN_ANNOTATION.test(key)) continue;
        const text = asString(raw);
        if (text === undefined) continue;
        for (const hit of detectSecrets(key, text))
          out.push({ path: `${site.path}/${escapePointerToken(key)}`, message: `${subject(resource)} annotation ${JSON.stringify(key)}${site.where} holds ${describeHit(hit)}` });
      }
    }
    return out;
  },
  examples: {
    valid: [
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    example.com/api-token-secret-name: web-api-token
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations:
        checksum/secret: 3f2a9c1de0b8a7f6e5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918aa01
    spec:
      containers: [{name: web, image: registry.example.com/web:1.4.2}]
`,
    ],
    invalid: [
      {
        manifest: `apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
  annotations:
    monitoring.example.com/api-token: kshield-example-not-a-real-token
spec:
  selector: {app: web}
  ports: [{port: 80}]
`,
        expect: ['/metadata/annotations/monitoring.example.com~1api-token'],
      },
      {
        manifest: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: builder
  namespace: shop
spec:
  selector: {matchLabels: {app: builder}}
  template:
    metadata:
      labels: {app: builder}
      annotations:
        ci.example.com/clone-credentials: ${FAKE_GITHUB_TOKEN}
    spec:
      containers: [{name: builder, image: registry.example.com/builder:2.0.0}]
`,
        expect: ['/spec/template/metadata/annotations/ci.example.com~1clone-credentials'],
      },
      {
        manifest: `apiVersion: v1
kind: ConfigMap
metadata:
  name: uploader
  namespace: shop
  annotations:
    uploader.example.com/aws-key-id: ${FAKE_AWS_KEY_ID}
data:
  BUCKET: shop-uploads
`,
        expect: ['/metadata/annotations/uploader.example.com~1aws-key-id'],
      },
    ],
  },
});
