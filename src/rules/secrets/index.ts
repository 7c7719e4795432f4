/**
 * Secrets hygiene: credentials committed with the manifests (Secret objects with real data,
 * ConfigMaps and annotations holding credential-like values) and legacy service account token
 * Secrets. Literal secrets in env values and command lines are `hardcoded-secret`, Secrets read
 * into env vars are `secret-as-env-var` (both in workload.ts); all of them share one detector,
 * src/core/secrets-detect.ts.
 *
 * A message never contains a value, nor any part of one, nor anything computed from it but its
 * length class: it names the key (see src/core/redact.ts).
 *
 * These rules judge only the payload of the object they check, as the engine contract requires:
 * other objects may reach a rule with their payload stripped.
 */
import type { Rule } from '../../engine/rule.js';
import { secretDataCommitted } from './secret-data-committed.js';
import { secretCommitted } from './secret-committed.js';
import { configmapCredentials } from './configmap-credentials.js';
import { annotationCredentials } from './annotation-credentials.js';
import { legacyServiceAccountTokenSecret } from './legacy-service-account-token-secret.js';

export const secretsRules: Rule[] = [secretDataCommitted, secretCommitted, configmapCredentials, annotationCredentials, legacyServiceAccountTokenSecret];
