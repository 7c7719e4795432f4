import type { Violation } from '../../core/types.js';
import { containers, podSpecs } from '../../k8s/pods.js';
import { isObject } from '../../core/values.js';
import { IGNORE_ANNOTATION, IGNORE_CONTAINER_PREFIX } from '../../engine/engine.js';
import { escapePointerToken } from '../../core/pointer.js';
import { defineRule } from '../define.js';
import { didYouMean, suggest } from '../../core/suggest.js';

/** " (did you mean ...?)" for a word close to some rule id or tag, else ''. */
function hintFor(word: string, known: Iterable<string>): string {
  const phrase = didYouMean(suggest(word, known));
  return phrase ? ` (${phrase})` : '';
}

const MAX_WORDS_REPORTED = 20;

export const unknownSuppression = defineRule({
  id: 'unknown-suppression',
  title: 'Suppression annotation names no rule or no container',
  severity: 'low',
  category: 'metadata',
  tags: ['suppressions', 'correctness'],
  description:
    'A kshield.io/ignore annotation (on the object or its pod template) lists a word that is neither a rule id nor a tag, or a ' +
    'kshield.io/ignore.<container> annotation names a container the pod does not have. Such an annotation suppresses nothing: ' +
    'the finding it was written for is still reported, or the typo hides that the review it stands for never applied.',
  remediation: 'Correct the rule id (see `kshield rules`) or the container name, or remove the annotation.',
  references: ['https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations/'],
  check: (resource, context) => {
    const out: Violation[] = [];
    const names = new Set(containers(resource).map((c) => c.name));
    const places = [{ metadata: resource.object.metadata, path: '/metadata' }, ...podSpecs(resource).map((p) => ({ metadata: p.metadata, path: p.metadataPath }))];
    const seen = new Set<unknown>();
    for (const { metadata, path } of places) {
      if (!isObject(metadata) || seen.has(metadata)) continue;
      seen.add(metadata);
      const annotations = metadata.annotations;
      if (!isObject(annotations)) continue;
      for (const [key, value] of Object.entries(annotations)) {
        const at = `${path}/annotations/${escapePointerToken(key)}`;
        const perContainer = key.startsWith(IGNORE_CONTAINER_PREFIX);
        if (key !== IGNORE_ANNOTATION && !perContainer) continue;
        if (perContainer) {
          const container = key.slice(IGNORE_CONTAINER_PREFIX.length);
          if (!names.has(container))
            out.push({ path: at, message: `annotation ${key} names container "${container}", which ${resource.kind} "${resource.name}" does not have: it suppresses nothing${hintFor(container, names)}` });
        }
        if (typeof value !== 'string') continue;
        const unknown = new Set<string>();
        for (const word of value.split(',')) {
          const trimmed = word.trim();
          if (trimmed && !context.knownSelectors.has(trimmed)) unknown.add(trimmed);
        }
        // A finding per word up to a point; an annotation of thousands of words is one problem, not thousands.
        let shown = 0;
        for (const word of unknown) {
          if (shown++ === MAX_WORDS_REPORTED) break;
          out.push({ path: at, key: word, message: `annotation ${key} lists "${word}", which is no rule id or tag: it suppresses nothing${hintFor(word, context.knownSelectors)}` });
        }
        if (unknown.size > MAX_WORDS_REPORTED)
          out.push({ path: at, key: '…', message: `annotation ${key} lists ${unknown.size - MAX_WORDS_REPORTED} more words that are no rule id or tag` });
      }
    }
    return out;
  },
  examples: {
    valid: [
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: agent
  namespace: ops
  annotations:
    kshield.io/ignore: "host-network,pss-baseline"
    kshield.io/ignore.debug: "privileged-container"
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
      - {name: agent, image: registry.example.com/agent:1.4.2}
      - {name: debug, image: registry.example.com/debug:1.0.0}
`,
    ],
    invalid: [
      {
        manifest: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: agent
  namespace: ops
  annotations:
    kshield.io/ignore: "host-netwrk"
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
      - {name: agent, image: registry.example.com/agent:1.4.2}
`,
        expect: ['/metadata/annotations/kshield.io~1ignore'],
      },
      {
        manifest: `apiVersion: v1
kind: Pod
metadata:
  name: agent
  namespace: ops
  annotations:
    kshield.io/ignore.sidecar: "privileged-container"
spec:
  containers:
  - {name: agent, image: registry.example.com/agent:1.4.2}
`,
        expect: ['/metadata/annotations/kshield.io~1ignore.sidecar'],
      },
    ],
  },
});
