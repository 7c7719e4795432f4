import { auditRules } from '../src/rules/audit/index.js';
import { runRuleExamples } from './support/rule-tester.js';

runRuleExamples(auditRules);
