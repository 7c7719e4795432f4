/**
 * Kubernetes Events on the objects findings are about (`kubectl describe` shows them), written by
 * the leader only. Writes are rate-limited by a token bucket (`perSecond`, bursts of `burst`) with
 * a bounded queue: under a storm of changes the oldest waiting Events are dropped and counted, and
 * the logs (which every event also goes to) stay complete.
 */
import { randomBytes } from 'node:crypto';
import type { JsonObject } from '../../core/types.js';
import type { ApiClient } from './api.js';
import type { ObjectRef } from './judge.js';

export const EVENT_REASONS = {
  new: 'KshieldFindingNew',
  fixed: 'KshieldFindingFixed',
  changed: 'KshieldFindingChanged',
  drift: 'KshieldDrift',
} as const;

export interface EventRequest {
  object: ObjectRef;
  reason: string;
  type: 'Normal' | 'Warning';
  message: string;
}

export interface EventWriterOptions {
  perSecond: number;
  burst: number;
  /** Waiting Events past this are dropped, oldest first. */
  maxQueue: number;
  component: string;
  instance: string;
  onWritten: (reason: string) => void;
  onDropped: (why: 'rate-limit' | 'failed', message?: string) => void;
  now?: () => number;
}

/** The API server refuses an Event message over 1 KiB of text (validation of events.k8s.io); keep below. */
const MAX_MESSAGE = 1000;

export class EventWriter {
  private queue: EventRequest[] = [];
  private tokens: number;
  private last: number;
  private timer: NodeJS.Timeout | undefined;
  private writing = false;
  private closed = false;

  constructor(
    private readonly api: ApiClient,
    private readonly options: EventWriterOptions,
  ) {
    this.tokens = options.burst;
    this.last = this.now();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  get pending(): number {
    return this.queue.length;
  }

  enqueue(request: EventRequest): void {
    if (this.closed) return;
    this.queue.push(request);
    while (this.queue.length > this.options.maxQueue) {
      this.queue.shift();
      this.options.onDropped('rate-limit');
    }
    this.pump();
  }

  /** Drops what waits (a leader that lost the Lease must not write what it queued). */
  clear(): void {
    this.queue = [];
  }

  close(): void {
    this.closed = true;
    this.queue = [];
    clearTimeout(this.timer);
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.options.burst, this.tokens + ((now - this.last) / 1000) * this.options.perSecond);
    this.last = now;
  }

  private pump(): void {
    if (this.writing || this.timer || this.closed) return;
    this.refill();
    if (this.queue.length === 0) return;
    if (this.tokens < 1) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, Math.ceil(((1 - this.tokens) / this.options.perSecond) * 1000));
      this.timer.unref();
      return;
    }
    this.tokens -= 1;
    const request = this.queue.shift()!;
    this.writing = true;
    void this.write(request)
      .then(
        () => this.options.onWritten(request.reason),
        (err: unknown) => this.options.onDropped('failed', String((err as Error)?.message ?? err).split('\n')[0]),
      )
      .finally(() => {
        this.writing = false;
        this.pump();
      });
  }

  private async write(request: EventRequest): Promise<void> {
    const body = eventObject(request, this.options.component, this.options.instance, this.now());
    const namespace = String((body.metadata as JsonObject).namespace);
    const res = await this.api.request('POST', `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, body);
    if (res.status !== 201 && res.status !== 200) throw new Error(`creating an Event in ${namespace}: HTTP ${res.status}${typeof res.body?.message === 'string' ? `: ${res.body.message.split('\n')[0]}` : ''}`);
  }
}

/**
 * A core/v1 Event about `object`: in the object's namespace, or "default" for a cluster-scoped one
 * (as kubectl and the controllers do); named `<object>.<random>` like client-go's recorder.
 */
export function eventObject(request: EventRequest, component: string, instance: string, now: number): JsonObject {
  const o = request.object;
  const namespace = o.namespace ?? 'default';
  const base = o.name.length > 200 ? o.name.slice(0, 200) : o.name;
  const time = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const involved: JsonObject = { apiVersion: o.apiVersion, kind: o.kind, name: o.name };
  if (o.namespace) involved.namespace = o.namespace;
  if (o.uid) involved.uid = o.uid;
  const message = request.message.length > MAX_MESSAGE ? `${request.message.slice(0, MAX_MESSAGE - 1)}…` : request.message;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${base}.${randomBytes(8).toString('hex')}`, namespace },
    involvedObject: involved,
    reason: request.reason,
    message,
    type: request.type,
    source: { component },
    reportingComponent: component,
    reportingInstance: instance.slice(0, 128),
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
  };
}
