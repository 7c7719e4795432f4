/**
 * A real registry for tests: Debian's /usr/bin/docker-registry (distribution 2.8) on 127.0.0.1 with
 * filesystem storage in a temporary directory, optionally behind token authentication served by
 * a tiny token server that signs RS256 JWTs with a throwaway key (node:crypto) and a self-signed
 * certificate (node-forge) the registry trusts as its root bundle. Images are pushed through the
 * plain Registry HTTP API, so the tests see exactly the bytes the registry stores.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import forge from 'node-forge';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

/** Why the real-registry tests cannot run here, or undefined when they can. */
export function registryMissing(): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v docker-registry || test -x ${REGISTRY_BINARY}`], { encoding: 'utf8' });
  return found.status === 0 ? undefined : 'no docker-registry binary (apt-get install docker-registry)';
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** A signing key and its self-signed certificate, as docker-registry's `rootcertbundle` wants them. */
export interface TokenSigner {
  certPem: string;
  issuer: string;
  service: string;
  /** A JWT granting `actions` on `repository`, as the token server hands out. */
  mint(repository: string, actions: string[], subject?: string): string;
}

export function createTokenSigner(service = 'kshield-test-registry', issuer = 'kshield-test-issuer'): TokenSigner {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '01' + randomBytes(8).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  const name = [{ name: 'commonName', value: 'kshield test token signer' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()), forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  return {
    certPem,
    issuer,
    service,
    mint(repository, actions, subject = 'tester') {
      const now = Math.floor(Date.now() / 1000);
      const header = { typ: 'JWT', alg: 'RS256', x5c: [der.toString('base64')] };
      const claims = {
        iss: issuer,
        sub: subject,
        aud: service,
        exp: now + 300,
        nbf: now - 10,
        iat: now,
        jti: randomBytes(8).toString('hex'),
        access: [{ type: 'repository', name: repository, actions }],
      };
      const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
      return `${input}.${base64url(sign('sha256', Buffer.from(input), privateKey))}`;
    },
  };
}

export interface TokenRequest {
  service: string | null;
  scope: string | null;
  /** The Authorization header the token server received (tests check credentials arrive, or do not). */
  authorization: string | undefined;
}

export interface TokenServer {
  realm: string;
  requests: TokenRequest[];
  close(): Promise<void>;
}

/** Hands out pull tokens for the requested scope; with `credentials`, only to that user and password. */
export async function startTokenServer(signer: TokenSigner, credentials?: { username: string; password: string }): Promise<TokenServer> {
  const requests: TokenRequest[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({ service: url.searchParams.get('service'), scope: url.searchParams.get('scope'), authorization: req.headers.authorization });
    if (credentials) {
      const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
        return;
      }
    }
    const scope = /^repository:([^:]+):(.+)$/.exec(url.searchParams.get('scope') ?? '');
    const actions = scope ? scope[2].split(',').filter((a) => a === 'pull') : [];
    const token = signer.mint(scope ? scope[1] : '', actions);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface Registry {
  /** "127.0.0.1:<port>": the registry part of image references. */
  host: string;
  base: string;
  stop(): Promise<void>;
}

/** A bcrypt htpasswd line for docker-registry's htpasswd auth (apache2-utils' htpasswd), or why it cannot be made. */
export function htpasswdLine(username: string, password: string): string {
  const r = spawnSync('htpasswd', ['-nbB', username, password], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`htpasswd (apache2-utils) is needed for basic auth: ${r.error?.message ?? r.stderr}`);
  return r.stdout.trim();
}

/** Whether htpasswd (apache2-utils) is here to make basic-auth users. */
export function htpasswdMissing(): string | undefined {
  return spawnSync('sh', ['-c', 'command -v htpasswd'], { encoding: 'utf8' }).status === 0 ? undefined : 'no htpasswd binary (apt-get install apache2-utils)';
}

/** Starts docker-registry on a free loopback port; with `token`, behind that token service; with `htpasswd` (file contents), behind basic auth. */
export async function startRegistry(token?: { realm: string; signer: TokenSigner }, options: { htpasswd?: string } = {}): Promise<Registry> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kshield-registry-'));
  const port = await freePort();
  const lines = [
    'version: 0.1',
    'log: {level: error, accesslog: {disabled: true}}',
    'storage:',
    `  filesystem: {rootdirectory: ${JSON.stringify(path.join(dir, 'data'))}}`,
    '  delete: {enabled: true}',
    'http:',
    `  addr: 127.0.0.1:${port}`,
  ];
  if (token) {
    writeFileSync(path.join(dir, 'root.pem'), token.signer.certPem);
    lines.push(
      'auth:',
      '  token:',
      `    realm: ${JSON.stringify(token.realm)}`,
      `    service: ${JSON.stringify(token.signer.service)}`,
      `    issuer: ${JSON.stringify(token.signer.issuer)}`,
      `    rootcertbundle: ${JSON.stringify(path.join(dir, 'root.pem'))}`,
    );
  }
  if (options.htpasswd !== undefined) {
    writeFileSync(path.join(dir, 'htpasswd'), options.htpasswd + '\n');
    lines.push('auth:', '  htpasswd:', '    realm: kshield-test', `    path: ${JSON.stringify(path.join(dir, 'htpasswd'))}`);
  }
  writeFileSync(path.join(dir, 'config.yml'), lines.join('\n') + '\n');
  const child: ChildProcess = spawn(REGISTRY_BINARY, ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
    try {
      const r = await fetch(`${base}/v2/`);
      if (r.status === 200 || r.status === 401) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not come up on ${base}: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    host: `127.0.0.1:${port}`,
    base,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function uploadBlob(base: string, repository: string, bytes: Buffer, headers: Record<string, string>): Promise<string> {
  const digest = sha256(bytes);
  const start = await fetch(`${base}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers });
  if (start.status !== 202) throw new Error(`starting an upload: ${start.status} ${await start.text()}`);
  const location = new URL(start.headers.get('location')!, base);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: new Uint8Array(bytes) });
  if (put.status !== 201) throw new Error(`uploading a blob: ${put.status} ${await put.text()}`);
  return digest;
}

export async function putManifest(base: string, repository: string, tag: string, mediaType: string, bytes: Buffer, headers: Record<string, string>): Promise<void> {
  const put = await fetch(`${base}/v2/${repository}/manifests/${tag}`, { method: 'PUT', headers: { ...headers, 'content-type': mediaType }, body: new Uint8Array(bytes) });
  if (put.status !== 201) throw new Error(`putting a manifest: ${put.status} ${await put.text()}`);
}

export interface PushedImage {
  /** The manifest bytes exactly as pushed, and their digest. */
  manifest: Buffer;
  digest: string;
}

/** Pushes a one-layer OCI image (config + layer + manifest) under `tag`. */
export async function pushImage(base: string, repository: string, tag: string, headers: Record<string, string> = {}, content = `kshield test ${tag}`): Promise<PushedImage> {
  const layer = Buffer.from(content);
  const layerDigest = await uploadBlob(base, repository, layer, headers);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layerDigest] }, config: { User: '10001' } }));
  const configDigest = await uploadBlob(base, repository, config, headers);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: layer.length }],
    }),
  );
  await putManifest(base, repository, tag, 'application/vnd.oci.image.manifest.v1+json', manifest, headers);
  return { manifest, digest: sha256(manifest) };
}

/** Pushes an OCI image index naming `images` (already pushed) under `tag`: a multi-platform image. */
export async function pushIndex(base: string, repository: string, tag: string, images: { image: PushedImage; architecture: string }[], headers: Record<string, string> = {}): Promise<PushedImage> {
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: images.map(({ image, architecture }) => ({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: image.digest,
        size: image.manifest.length,
        platform: { architecture, os: 'linux' },
      })),
    }),
  );
  await putManifest(base, repository, tag, 'application/vnd.oci.image.index.v1+json', index, headers);
  return { manifest: index, digest: sha256(index) };
}
