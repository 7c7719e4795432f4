import { networkRules } from '../src/rules/network/index.js';
import { runRuleExamples } from './support/rule-tester.js';

runRuleExamples(networkRules);
