/** Helpers the pod-security rules share. */
import type { Rule, RuleContext, RuleMeta } from '../../engine/rule.js';
import type { Resource, Violation } from '../../core/types.js';
import type { ContainerView, PodSpecView } from '../../k8s/pods.js';
import { perContainer, perPod, describeContainer } from '../define.js';
import { fieldAt, asObject } from '../../core/values.js';
import { escapePointerToken } from '../../core/pointer.js';
import { PSS_BASELINE_URL, PSS_RESTRICTED_URL, SECCOMP_ALLOWED_TYPES, SECCOMP_CONTAINER_ANNOTATION_PREFIX, SECCOMP_POD_ANNOTATION, SINCE, containerSecurityContext, isSet, podSecurityContext, pssMinor, pssName, seccompAnnotationAllowed, show } from '../../k8s/pss.js';

export type Level = 'baseline' | 'restricted';

/** The metadata every PSS rule shares, by profile level and control slug. */
export function pssControl(level: Level, slug: string): Pick<RuleMeta, 'category' | 'tags' | 'appliesTo' | 'frameworks' | 'references'> {
  return {
    category: 'pod-security',
    tags: [level === 'baseline' ? 'pss-baseline' : 'pss-restricted', 'security'],
    appliesTo: 'workloads',
    frameworks: { pss: [`${level}/${slug}`] },
    references: [level === 'baseline' ? PSS_BASELINE_URL : PSS_RESTRICTED_URL],
  };
}

/** A container securityContext that satisfies every Restricted control on its own. */
export const RESTRICTED_CONTAINER_SC = '{runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}';

// ---------------------------------------------------------------------------------------------
// Small readers shared by the checks.

export const scPath = (c: ContainerView, ...rest: string[]): string => [`${c.path}/securityContext`, ...rest].join('/');

export const podScPath = (pod: PodSpecView, ...rest: string[]): string => [`${pod.path}/securityContext`, ...rest].join('/');

/** Runs a pod-level and a container-level check: pod findings first, then one list per container. */
export function podAndContainers(
  resource: Parameters<Rule['check']>[0],
  podCheck: (pod: PodSpecView) => Violation[],
  containerCheck: (c: ContainerView) => Omit<Violation, 'container'>[],
): Violation[] {
  return [...perPod(resource, podCheck), ...perContainer(resource, containerCheck)];
}

/** The policy version at which this object's Baseline rules judge. */
export const baselineAt = (resource: Resource, context: RuleContext): number => pssMinor(resource, 'baseline', context.settings);

/** The policy version at which this object's Restricted rules judge. */
export const restrictedAt = (resource: Resource, context: RuleContext): number => pssMinor(resource, 'restricted', context.settings);

/** Said of a finding the pod would not have at a later version: why it has it at this one. */
export const onlyBefore = (minor: number, since: number, who: string): string => `; ${pssName(minor)} checks this for ${who} too (v1.${since} and later do not)`;

export const SECCOMP_WHAT = (t: unknown): string => (t === 'Unconfined' ? 'disables seccomp (seccompProfile.type: Unconfined)' : `sets an invalid seccomp profile type ${show(t)}`);

export const seccompTypeBad = (t: unknown): boolean => isSet(t) && !(typeof t === 'string' && SECCOMP_ALLOWED_TYPES.has(t));

/**
 * What the Baseline seccomp control forbids at a policy version: from v1.19, a seccompProfile.type
 * other than RuntimeDefault or Localhost on the pod or a container; before, a seccomp annotation
 * other than runtime/default, docker/default or localhost/<profile> (the fields are not read then).
 */
export function seccompBaselineViolations(pod: PodSpecView, podContainers: readonly ContainerView[], minor: number): Violation[] {
  const out: Violation[] = [];
  if (minor < SINCE.seccompField) {
    const annotations = asObject(pod.metadata?.annotations) ?? {};
    const judge = (key: string, container?: string): void => {
      if (!(key in annotations) || seccompAnnotationAllowed(annotations[key])) return;
      out.push({
        path: `${pod.metadataPath}/annotations/${escapePointerToken(key)}`,
        message: `annotation ${key} sets seccomp profile ${show(annotations[key])}; ${pssName(minor)} judges the seccomp annotations and allows only runtime/default, docker/default or localhost/<profile>`,
        ...(container !== undefined ? { container } : {}),
      });
    };
    judge(SECCOMP_POD_ANNOTATION);
    for (const c of podContainers) judge(SECCOMP_CONTAINER_ANNOTATION_PREFIX + c.name, c.name);
    return out;
  }
  const t = fieldAt(podSecurityContext(pod), 'seccompProfile', 'type');
  if (seccompTypeBad(t)) out.push({ path: podScPath(pod, 'seccompProfile', 'type'), message: `the pod ${SECCOMP_WHAT(t)}` });
  for (const c of podContainers) {
    const ct = fieldAt(containerSecurityContext(c), 'seccompProfile', 'type');
    if (seccompTypeBad(ct)) out.push({ path: scPath(c, 'seccompProfile', 'type'), message: `${describeContainer(c)} ${SECCOMP_WHAT(ct)}`, container: c.name });
  }
  return out;
}
