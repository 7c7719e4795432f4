import { IMAGE, deployment, pod } from '../examples.js';
import type { Violation } from '../../core/types.js';
import { defineRule, describeContainer } from '../define.js';
import { asObject } from '../../core/values.js';
import { SELINUX_ENGINE_TYPE_SINCE, allowedSelinuxTypes, containerSecurityContext, isSet, podSecurityContext, pssName, show } from '../../k8s/pss.js';
import { baselineAt, podAndContainers, podScPath, pssControl, scPath } from './shared.js';

export const selinuxOptions = defineRule({
  id: 'selinux-options',
  title: 'Custom SELinux options',
  severity: 'medium',
  ...pssControl('baseline', 'selinux'),
  description:
    'Baseline restricts seLinuxOptions: the type may only be empty, container_t, container_init_t, container_kvm_t ' +
    'or (from Pod Security Standards v1.31) container_engine_t, and user and role must not be set. Other labels such as ' +
    'spc_t run the container unconfined by SELinux.',
  remediation: 'Remove seLinuxOptions.user and .role, and use one of the allowed container types (or leave the type unset).',
  check: (resource, context) => {
    const minor = baselineAt(resource, context);
    const allowed = allowedSelinuxTypes(minor);
    const inspect = (options: unknown, base: string, who: string): Omit<Violation, 'container'>[] => {
      const o = asObject(options);
      if (!o) return [];
      const out: Omit<Violation, 'container'>[] = [];
      if (isSet(o.type) && !(typeof o.type === 'string' && allowed.has(o.type)))
        out.push({
          path: `${base}/type`,
          message:
            o.type === 'container_engine_t'
              ? `${who} sets SELinux type "container_engine_t", which ${pssName(minor)} does not allow (v1.${SELINUX_ENGINE_TYPE_SINCE} and later do)`
              : `${who} sets SELinux type ${show(o.type)}, which is not an allowed container type`,
        });
      for (const field of ['user', 'role'] as const)
        if (isSet(o[field]) && o[field] !== '') out.push({ path: `${base}/${field}`, message: `${who} sets a custom SELinux ${field} (${show(o[field])})` });
      return out;
    };
    return podAndContainers(
      resource,
      (pod) => inspect(podSecurityContext(pod)?.seLinuxOptions, podScPath(pod, 'seLinuxOptions'), 'the pod'),
      (c) => inspect(containerSecurityContext(c)?.seLinuxOptions, scPath(c, 'seLinuxOptions'), describeContainer(c)),
    );
  },
  examples: {
    valid: [
      pod(`
          securityContext:
            seLinuxOptions: {type: container_t, level: "s0:c123,c456"}
          containers:
          - name: app
            image: ${IMAGE}
            securityContext:
              seLinuxOptions: {type: container_init_t, user: "", role: ""}
        `),
      pod(`
          containers:
          - name: app
            image: ${IMAGE}
            securityContext:
              seLinuxOptions: {type: container_engine_t}
        `),
    ],
    invalid: [
      {
        manifest: pod(`
          securityContext:
            seLinuxOptions: {type: spc_t}
          containers:
          - name: app
            image: ${IMAGE}
        `),
        expect: ['/spec/securityContext/seLinuxOptions/type'],
      },
      {
        manifest: deployment(`
          containers:
          - name: app
            image: ${IMAGE}
            securityContext:
              seLinuxOptions: {user: system_u, role: system_r}
        `),
        expect: ['/spec/template/spec/containers/0/securityContext/seLinuxOptions/user', '/spec/template/spec/containers/0/securityContext/seLinuxOptions/role'],
      },
    ],
  },
});
