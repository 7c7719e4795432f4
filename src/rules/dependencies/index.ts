/** Dependency rules: what the lockfiles of a scanned repository pin. */
import type { Rule } from '../../engine/rule.js';
import { vulnerablePackage } from './vulnerable-package.js';

export const dependencyRules: Rule[] = [vulnerablePackage];
