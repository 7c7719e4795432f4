/** Every RBAC rule's example table, plus findings on combinations the tables cannot show. */
import { rbacRules } from '../src/rules/rbac.js';
import { runRuleExamples } from './support/rule-tester.js';

runRuleExamples(rbacRules);
