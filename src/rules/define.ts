/** Helpers shared by rule families: the rule definition check and the container walk. */
import type { Rule } from '../engine/rule.js';
import type { Resource, Violation } from '../core/types.js';
import { containers, podSpecs, type ContainerView, type PodSpecView } from '../k8s/pods.js';

const ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Whether a rule judges Dockerfiles: its examples are Dockerfiles, not manifests. */
export function judgesDockerfiles(rule: Pick<Rule, 'appliesTo'>): boolean {
  return Array.isArray(rule.appliesTo) && rule.appliesTo.includes('Dockerfile');
}

export function defineRule(rule: Rule): Rule {
  if (!ID.test(rule.id)) throw new Error(`rule id "${rule.id}" is not kebab-case`);
  if (rule.examples.valid.length === 0 || rule.examples.invalid.length === 0) throw new Error(`rule ${rule.id} needs valid and invalid examples`);
  rule.examples.invalid.forEach((e, i) => {
    if (e.expect.length === 0) throw new Error(`rule ${rule.id}: invalid example #${i + 1} must say where the rule reports (expect)`);
  });
  return Object.freeze(rule);
}

/** Runs `check` for each container of each pod spec; the container name is attached for per-container suppression. */
export function perContainer(
  resource: Resource,
  check: (c: ContainerView) => Omit<Violation, 'container'>[] | Omit<Violation, 'container'> | undefined,
): Violation[] {
  const out: Violation[] = [];
  for (const c of containers(resource)) {
    const r = check(c);
    if (!r) continue;
    // The violations are fresh objects from the check: tag them in place rather than copy them.
    if (Array.isArray(r))
      for (const v of r) {
        (v as Violation).container = c.name;
        out.push(v as Violation);
      }
    else {
      (r as Violation).container = c.name;
      out.push(r as Violation);
    }
  }
  return out;
}

/** Runs `check` for each pod spec of the resource. */
export function perPod(resource: Resource, check: (pod: PodSpecView) => Violation[] | Violation | undefined): Violation[] {
  const out: Violation[] = [];
  for (const pod of podSpecs(resource)) {
    const r = check(pod);
    if (!r) continue;
    // a loop, not push(...r): a pod spec of 100,000 containers gives as many violations, past the argument limit
    if (Array.isArray(r)) for (const v of r) out.push(v);
    else out.push(r);
  }
  return out;
}

/** "container \"app\"" / "init container \"setup\"" for messages. */
export function describeContainer(c: ContainerView): string {
  const kind = c.type === 'containers' ? 'container' : c.type === 'initContainers' ? 'init container' : 'ephemeral container';
  return `${kind} "${c.name}"`;
}
