import { networkRules } from '../src/rules/network.js';
import { runRuleExamples } from './support/rule-tester.js';

runRuleExamples(networkRules);
