/**
 * The webhook's view of `.kshield.yaml`: the `webhook:` section (validated with the rest of the
 * file by src/core/config.ts, so errors name the key and line) with every default filled in.
 */
import type { KshieldConfig } from '../config/config-file.js';
import type { Rule } from '../engine/rule.js';
import type { Severity } from '../core/types.js';
import { DEFAULT_IMAGE_POLICY, DEFAULT_MUTATION, type ActionPolicy, type AdmissionAction, type WebhookConfig } from '../config/webhook.js';

/**
 * What a finding does when neither its rule, a tag nor `default` says otherwise. Critical and high
 * findings are the ones `kshield scan` fails CI on by default (`failOn: high`), so they are refused;
 * medium ones are shown to whoever applies the object; low and info are only logged, because a
 * warning on every `kubectl apply` for a missing label trains people to ignore warnings.
 */
export const DEFAULT_SEVERITY_ACTIONS: Readonly<Record<Severity, AdmissionAction>> = Object.freeze({
  critical: 'enforce',
  high: 'enforce',
  medium: 'warn',
  low: 'audit',
  info: 'audit',
});

/** Always exempt unless `exemptDefaults: false`: the control plane's own namespace. */
const DEFAULT_EXEMPT_NAMESPACES: readonly string[] = ['kube-system'];

/** The `webhook:` section with defaults. */
export function webhookConfigFrom(config: KshieldConfig | undefined): WebhookConfig {
  const input = config?.webhook ?? {};
  return {
    actions: { ...input.actions },
    onUpdate: input.onUpdate ?? 'new-violations',
    exemptNamespaces: [...(input.exemptNamespaces ?? [])],
    exemptDefaults: input.exemptDefaults ?? true,
    exemptNamespaceSelector: input.exemptNamespaceSelector,
    namespaceLookupFailure: input.namespaceLookupFailure ?? 'judge',
    controllerPods: input.controllerPods ?? 'audit',
    mutate: { ...DEFAULT_MUTATION, ...input.mutate },
    registries: { ...input.registries },
    imagePolicy: config?.loadedImagePolicy ?? { ...DEFAULT_IMAGE_POLICY, requireSignature: [], files: [] },
  };
}

/**
 * The action for one finding: its rule id, else the first entry of `tags` (in the order written)
 * that the rule carries (or whose name is the rule's category), else its severity (after the
 * configuration's severity overrides), else `default`, else the built-in severity mapping.
 */
export function actionFor(rule: Rule, severity: Severity, policy: ActionPolicy): AdmissionAction {
  const byRule = policy.rules?.[rule.id];
  if (byRule) return byRule;
  if (policy.tags) {
    for (const [tag, action] of Object.entries(policy.tags)) {
      if (rule.tags.includes(tag) || rule.category === tag) return action;
    }
  }
  return policy.severities?.[severity] ?? policy.default ?? DEFAULT_SEVERITY_ACTIONS[severity];
}

/** Namespaces exempt by name: the configured ones, plus kube-system and the webhook's own unless `exemptDefaults` is false. */
export function exemptNamespaceNames(config: WebhookConfig, ownNamespace: string | undefined): Set<string> {
  const names = new Set(config.exemptNamespaces);
  if (config.exemptDefaults) {
    for (const ns of DEFAULT_EXEMPT_NAMESPACES) names.add(ns);
    if (ownNamespace) names.add(ownNamespace);
  }
  return names;
}

/** Whether admission needs the labels of the request's namespace: for exemptNamespaceSelector, or a signature rule's namespaceSelector. */
export function needsNamespaceLabels(config: WebhookConfig): boolean {
  return config.exemptNamespaceSelector !== undefined || config.imagePolicy.requireSignature.some((rule) => rule.namespaceSelector !== undefined);
}
