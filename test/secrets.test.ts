import { describe } from 'node:test';
import { runRuleExamples } from './support/rule-tester.js';
import { secretsRules } from '../src/rules/secrets.js';

describe('secrets rule examples', () => runRuleExamples(secretsRules));
