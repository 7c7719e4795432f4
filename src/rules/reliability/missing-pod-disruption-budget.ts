import { deploymentFromParts, pdb, stream } from '../examples.js';
import type { RuleContext } from '../../engine/rule.js';
import type { Resource } from '../../core/types.js';
import { fieldAt } from '../../core/values.js';
import { parseLabelSelector, type ParsedSelector } from '../../k8s/labels.js';
import type { ResourceSet } from '../../k8s/resource-set.js';
import { defineRule } from '../define.js';
import { ScopedCache } from '../../core/scoped-cache.js';
import { controllerPodLabels, matchPods, type PodLabelModel } from '../../k8s/controller-labels.js';
import { ANY_NS, PDB_DOC, PDB_TASK, REPLICATED, autoscalersOf, hpaTargets, nsOf, push, replicasOf, runIndex, templateLabels } from './shared.js';

/** The labels the pods of a workload object carry (template and controller-added), for rules judging that object. */
function podLabelsOf(context: RuleContext, resource: Resource): PodLabelModel {
  const idx = runIndex(context);
  return controllerPodLabels(resource, templateLabels(resource), { autoscaled: hpaTargets(idx, resource).length > 0, kubernetesVersion: context.settings.kubernetesVersion });
}

interface SelectorHolder {
  resource: Resource;
  parsed: ParsedSelector;
}

interface HolderIndex {
  /** `ns \0 key \0 value` (and across namespaces) -> holders whose selector requires that label. */
  byPair: Map<string, SelectorHolder[]>;
  /** `ns \0 key` (and across namespaces) -> the holders of byPair, by the key alone. */
  byPairKey: Map<string, SelectorHolder[]>;
  /** ns (and across namespaces) -> holders without a single-valued requirement to index by. */
  rest: Map<string, SelectorHolder[]>;
}

const holderIndexes = new ScopedCache<ResourceSet, Map<string, HolderIndex>>();

/**
 * Objects of `kind` whose label selector (read by `read`) selects `labels` in namespace `ns`. Holders
 * are indexed by one required label each, so a workload only meets the selectors that could match it.
 */
function holdersSelecting(context: RuleContext, kind: string, read: (r: Resource) => unknown, ns: string, pods: PodLabelModel): Resource[] {
  let perKind = holderIndexes.get(context.resources);
  if (!perKind) holderIndexes.set(context.resources, (perKind = new Map()));
  let index = perKind.get(kind);
  if (!index) {
    index = { byPair: new Map(), byPairKey: new Map(), rest: new Map() };
    for (const r of context.resources.ofKind(kind)) {
      const holder: SelectorHolder = { resource: r, parsed: parseLabelSelector(read(r)) };
      if (holder.parsed.kind !== 'selector') continue;
      const pair = holder.parsed.selector.requirements.find((q) => q.operator === 'In' && q.values.length === 1);
      const rns = nsOf(r);
      if (pair) {
        push(index.byPair, `${rns}\u0000${pair.key}\u0000${pair.values[0]}`, holder);
        push(index.byPair, `${ANY_NS}\u0000${pair.key}\u0000${pair.values[0]}`, holder);
        push(index.byPairKey, `${rns}\u0000${pair.key}`, holder);
        push(index.byPairKey, `${ANY_NS}\u0000${pair.key}`, holder);
      } else {
        push(index.rest, rns, holder);
        push(index.rest, ANY_NS, holder);
      }
    }
    perKind.set(kind, index);
  }
  const found = new Set<SelectorHolder>();
  const add = (list: SelectorHolder[] | undefined): void => {
    for (const h of list ?? []) if (h.parsed.kind === 'selector' && matchPods(h.parsed.selector.requirements, pods).kind !== 'none') found.add(h);
  };
  const spaces = ns === '' ? [ANY_NS] : [ns, ''];
  for (const space of spaces) {
    add(index.rest.get(space));
    for (const [k, v] of Object.entries(pods.fixed)) add(index.byPair.get(`${space}\u0000${k}\u0000${v}`));
    // A label the controller adds with a run-time value: holders indexed by any value of that key.
    for (const k of pods.added.keys()) add(index.byPairKey.get(`${space}\u0000${k}`));
  }
  return [...found].map((h) => h.resource);
}

export const missingPodDisruptionBudget = defineRule({
  id: 'missing-pod-disruption-budget',
  title: 'Replicated workload without a PodDisruptionBudget',
  severity: 'low',
  category: 'reliability',
  tags: ['disruption-budget', 'availability', 'cross-resource'],
  appliesTo: REPLICATED,
  reads: ['HorizontalPodAutoscaler', 'PodDisruptionBudget'],
  description:
    'A Deployment or StatefulSet with 2 or more replicas (or managed by an autoscaler) has no PodDisruptionBudget in the scanned set ' +
    'whose selector matches its pod template labels. Node drains and cluster upgrades may then evict all its pods at once. Scan ' +
    'the budgets together with the workloads, or this rule cannot see them.',
  remediation: 'Add a policy/v1 PodDisruptionBudget selecting the pods, with maxUnavailable: 1 (or a minAvailable below the replica count).',
  references: [PDB_DOC, PDB_TASK],
  check: (resource, context) => {
    const replicas = replicasOf(resource);
    const scaled = autoscalersOf(context, resource).length > 0;
    if (!scaled && (replicas === undefined || replicas < 2)) return [];
    const budgets = holdersSelecting(context, 'PodDisruptionBudget', (p) => fieldAt(p.object, 'spec', 'selector'), nsOf(resource), podLabelsOf(context, resource));
    if (budgets.length > 0) return [];
    return [{ path: '', message: `${resource.kind} "${resource.name}" (${scaled ? 'autoscaled' : `${replicas} replicas`}) is not covered by any PodDisruptionBudget` }];
  },
  examples: {
    valid: [stream(deploymentFromParts(), pdb('  maxUnavailable: 1\n  selector: {matchLabels: {app: web}}')), deploymentFromParts({ replicas: 1 })],
    invalid: [
      { manifest: deploymentFromParts(), expect: [''] },
      { manifest: stream(deploymentFromParts(), pdb('  maxUnavailable: 1\n  selector: {matchLabels: {app: api}}')), expect: [''] },
    ],
  },
});
