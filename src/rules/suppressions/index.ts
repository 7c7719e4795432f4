/**
 * Suppression annotations that suppress nothing: a misspelt rule id or a container that is not
 * there. Such a typo leaves the finding it was meant for in place (or, worse, someone believes a
 * risk was reviewed when the annotation never matched), so it is worth saying.
 */
import type { Rule } from '../../engine/rule.js';
import { unknownSuppression } from './unknown-suppression.js';

export const suppressionRules: Rule[] = [unknownSuppression];
