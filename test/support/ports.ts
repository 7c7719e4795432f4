/** Free TCP ports on 127.0.0.1, for servers started by tests (etcd takes port numbers, not port 0). */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** A port nothing listens on: bound once to learn a free number, then released. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
