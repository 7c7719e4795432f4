// kshield as a library (docs/library.md): scan files, scan objects, render a report, read a rule.
import { scanFiles, scanObjects, findRule, reporters } from 'kshield';

const result = await scanFiles(['examples/ecommerce/insecure'], { only: ['pss-baseline'], keepResources: false });
for (const f of result.findings.slice(0, 3)) console.log(`${f.file}:${f.line}:${f.column} ${f.severity} ${f.rule} ${f.path}`);
console.log(result.summary.bySeverity);

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' }, spec: { hostNetwork: true, containers: [{ name: 'app', image: 'nginx:1.27' }] } };
const fromObjects = scanObjects([pod], { only: ['host-network'] });
console.log(reporters.table(fromObjects, { color: false }).trimEnd());

console.log(findRule('host-network')?.title);
