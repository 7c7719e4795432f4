/**
 * What the response engine itself reads and writes in the cluster (the actions do their own
 * writes): the pod an alert names, read once before any step runs (its labels decide protection,
 * its node and uid go to the actions and the Events), and one Kubernetes Event per step on the
 * pod, reason `KshieldResponse<Status>`, so `kubectl describe pod` shows what kshield did and why.
 */
import os from 'node:os';
import type { JsonObject } from '../../core/types.js';
import type { KubeClient } from '../../sources/kube-client.js';

export interface PodEvent {
  namespace: string;
  pod: string;
  podUid?: string;
  /** KshieldResponseDone, KshieldResponseDryRun, KshieldResponseRefused, KshieldResponseFailed, KshieldResponseHeld, KshieldResponseSkipped */
  reason: string;
  type: 'Normal' | 'Warning';
  message: string;
  /** The action, as the Event's `action` field. */
  action: string;
  time: Date;
}

export interface ClusterAccess {
  /** The pod, undefined when it does not exist; throws when it cannot be read. */
  readPod(namespace: string, name: string, signal: AbortSignal): Promise<JsonObject | undefined>;
  recordEvent(event: PodEvent): Promise<void>;
}

const REPORTING_COMPONENT = 'kshield.io/respond';

function statusCode(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown };
  return typeof e?.code === 'number' ? e.code : typeof e?.statusCode === 'number' ? e.statusCode : undefined;
}

function withSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason ?? new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** The core/v1 Event kshield writes for one step (core/v1 rather than events.k8s.io/v1: `kubectl describe` of every version shows it). */
export function eventObject(e: PodEvent, instance = os.hostname()): JsonObject {
  const time = e.time.toISOString();
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { generateName: `${e.pod.slice(0, 200)}.kshield-`, namespace: e.namespace, labels: { 'app.kubernetes.io/managed-by': 'kshield' } },
    involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: e.namespace, name: e.pod, ...(e.podUid ? { uid: e.podUid } : {}) },
    reason: e.reason,
    message: e.message.length > 1024 ? `${e.message.slice(0, 1023)}…` : e.message,
    type: e.type,
    action: e.action,
    source: { component: 'kshield-respond' },
    reportingComponent: REPORTING_COMPONENT,
    reportingInstance: instance.slice(0, 128),
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
  };
}

export function kubeClusterAccess(client: KubeClient): ClusterAccess {
  const core = client.kc.makeApiClient(client.k8s.CoreV1Api);
  return {
    async readPod(namespace, name, signal) {
      try {
        return (await withSignal(core.readNamespacedPod({ namespace, name }), signal)) as unknown as JsonObject;
      } catch (err) {
        if (statusCode(err) === 404) return undefined;
        throw err;
      }
    },
    async recordEvent(event) {
      await core.createNamespacedEvent({ namespace: event.namespace, body: eventObject(event) as never });
    },
  };
}
