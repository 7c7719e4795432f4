/**
 * The node fixtures as a real node has them. git records no file modes (only the executable bit)
 * and no owners, so test/fixtures/node/* come out of a clone at the checkout's umask (644 or 664)
 * and owned by whoever cloned: a node check on the checkout itself judges those, not the node the
 * fixture describes. Tests and the documented commands therefore run on copies made here.
 *
 *   node dist/test/support/node-fixtures.js [DIR]   (npm run node-fixtures) copies every fixture to
 *   DIR (default ./node-fixtures) with its modes, and its owners when run as root.
 */
import { chmodSync, chownSync, cpSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const NODE_FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/node');
export const IS_ROOT = process.getuid?.() === 0;

/** How each fixture's node keeps its files: careless (644/755) or careful (600/700), and which directory etcd owns. */
export const NODE_FIXTURE_LAYOUT: Record<string, { secure: boolean; etcd?: { dir: string; uid: number } }> = {
  insecure: { secure: false },
  hardened: { secure: true, etcd: { dir: 'var/lib/etcd', uid: 998 } },
  k3s: { secure: true },
  rke2: { secure: true, etcd: { dir: 'var/lib/rancher/rke2/server/db/etcd', uid: 997 } },
};

function walk(dir: string, visit: (file: string, isDir: boolean) => void): void {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const isDir = statSync(p).isDirectory();
    visit(p, isDir);
    if (isDir) walk(p, visit);
  }
}

/** Every file 600 and directory 700 on a careful node; 644 and 755 on a careless one. */
export function setModes(tree: string, secure: boolean): void {
  walk(tree, (f, isDir) => chmodSync(f, isDir ? (secure ? 0o700 : 0o755) : secure ? 0o600 : 0o644));
}

/** Owners as on a real node (only root can set them): root, except the data directory of an etcd run as its own user. */
export function setOwners(tree: string, etcdDir?: string, etcdId?: number): void {
  if (!IS_ROOT) return;
  walk(tree, (f) => chownSync(f, 0, 0));
  chownSync(tree, 0, 0);
  if (etcdDir && etcdId !== undefined) {
    chownSync(path.join(tree, etcdDir), etcdId, etcdId);
    walk(path.join(tree, etcdDir), (f) => chownSync(f, etcdId, etcdId));
  }
}

/** Copies fixture `name` to `dest` with the modes (and, as root, the owners) its node would have. */
export function prepareNodeFixture(name: string, dest: string): string {
  const layout = NODE_FIXTURE_LAYOUT[name];
  if (!layout) throw new Error(`no node fixture called ${name}`);
  rmSync(dest, { recursive: true, force: true });
  cpSync(path.join(NODE_FIXTURES, name), dest, { recursive: true });
  setModes(dest, layout.secure);
  setOwners(dest, layout.etcd?.dir, layout.etcd?.uid);
  return dest;
}

// Run as a script (also through a symlinked checkout, where argv[1] is not the module's real path).
if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(path.resolve(process.argv[1]))) {
  const target = path.resolve(process.argv[2] ?? 'node-fixtures');
  for (const name of Object.keys(NODE_FIXTURE_LAYOUT)) prepareNodeFixture(name, path.join(target, name));
  process.stdout.write(`node fixtures with their modes${IS_ROOT ? ' and owners' : ' (owners unchanged: not root)'} in ${target}/{${Object.keys(NODE_FIXTURE_LAYOUT).join(',')}}\n`);
}
