/** Correlation rules: a workload judged with what its image and Dockerfile say (one workload, three views). */
import type { Rule } from '../../engine/rule.js';
import { imageExposedPortUnused } from './image-exposed-port-unused.js';
import { imagePortNotExposed } from './image-port-not-exposed.js';
import { imageUserBreaksRunAsNonRoot } from './image-user-breaks-run-as-non-root.js';

export const correlationRules: Rule[] = [imageUserBreaksRunAsNonRoot, imagePortNotExposed, imageExposedPortUnused];
