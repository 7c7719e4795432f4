import { describe } from 'node:test';
import { runRuleExamples } from './support/rule-tester.js';
import { exposureRules } from '../src/rules/exposure.js';

describe('exposure rule examples', () => runRuleExamples(exposureRules));
