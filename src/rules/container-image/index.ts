/** Image rules: what an image's configuration and base give every container started from it (`kshield image`). */
import type { Rule } from '../../engine/rule.js';
import { imageRunsAsRoot } from './image-runs-as-root.js';
import { imageExposesSsh } from './image-exposes-ssh.js';
import { imageExposedPort } from './image-exposed-port.js';
import { imageSecretInEnv } from './image-secret-in-env.js';
import { imageSecretInHistory } from './image-secret-in-history.js';
import { imageBaseOsEndOfLife } from './image-base-os-end-of-life.js';

export const containerImageRules: Rule[] = [imageRunsAsRoot, imageSecretInEnv, imageSecretInHistory, imageBaseOsEndOfLife, imageExposesSsh, imageExposedPort];
