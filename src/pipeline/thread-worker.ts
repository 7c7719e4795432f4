/** Entry point of a scan worker thread: runs one shard (see shard.ts) and posts its output. */
import { parentPort, workerData } from 'node:worker_threads';
import { runShard, type ShardInput } from './shard.js';

const port = parentPort;
if (!port) throw new Error('thread-worker.js runs only as a worker thread');

let receive!: (projections: (string | null)[]) => void;
const projections = new Promise<(string | null)[]>((resolve) => (receive = resolve));
port.once('message', (all: (string | null)[]) => receive(all));

try {
  const output = await runShard(workerData as ShardInput, async (projection) => {
    port.postMessage({ type: 'projection', projection });
    return projections;
  });
  port.postMessage({ type: 'done', output });
} catch (err) {
  port.postMessage({ type: 'failed', message: (err as Error)?.stack ?? String(err) });
}
port.close();
