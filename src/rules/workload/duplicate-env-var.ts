import { IMAGE, pod } from '../examples.js';
import type { Violation } from '../../core/types.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { asArray, fieldAt, asString } from '../../core/values.js';
import { ENV_DOC, } from './shared.js';

export const duplicateEnvVar = defineRule({
  id: 'duplicate-env-var',
  title: 'Environment variable defined twice',
  severity: 'low',
  category: 'workload',
  tags: ['correctness', 'reliability'],
  appliesTo: 'workloads',
  description:
    'When a container lists the same environment variable twice, only the last definition takes effect: the earlier ' +
    'one, often the one a reviewer looks at, is silently ignored.',
  remediation: 'Remove all but one definition of the variable.',
  references: [ENV_DOC],
  check: (resource) =>
    perContainer(resource, (c) => {
      const first = new Map<string, number>();
      const out: Omit<Violation, 'container'>[] = [];
      asArray(c.container.env).forEach((e, i) => {
        const name = asString(fieldAt(e, 'name'));
        if (name === undefined) return;
        const earlier = first.get(name);
        if (earlier === undefined) first.set(name, i);
        else out.push({ path: `${c.path}/env/${i}/name`, message: `${describeContainer(c)} defines env var ${name} again (first at env[${earlier}]); only the last definition takes effect` });
      });
      return out;
    }),
  examples: {
    valid: [
      pod(`
          containers:
          - name: web
            image: ${IMAGE}
            env:
            - {name: LOG_LEVEL, value: info}
            - {name: PORT, value: "8080"}
        `),
    ],
    invalid: [
      {
        manifest: pod(`
          containers:
          - name: web
            image: ${IMAGE}
            env:
            - {name: LOG_LEVEL, value: info}
            - {name: PORT, value: "8080"}
            - {name: LOG_LEVEL, value: debug}
        `),
        expect: ['/spec/containers/0/env/2/name'],
      },
    ],
  },
});
