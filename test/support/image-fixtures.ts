/**
 * `npm run image-fixtures [DIR]`: writes a small example image, the way docs/image.md uses it, as an
 * OCI image layout (DIR/shop) and a `docker save` archive (DIR/shop.tar); DIR defaults to
 * ./image-fixtures. The image is made up: a Debian 10 base (past its end of life) with three dpkg
 * packages, an npm and a Python package, a jar with a nested jar; it runs as root, exposes 8080
 * and 22, and carries made-up credentials in its environment and history.
 */
import { mkdirSync, realpathSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { zipSync } from 'fflate';
import { buildImage, writeDockerArchive, writeOciLayout } from './oci-build.js';

const OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 10 (buster)"\nNAME="Debian GNU/Linux"\nVERSION_ID="10"\nVERSION="10 (buster)"\nVERSION_CODENAME=buster\nID=debian\n';

const DPKG_STATUS = [
  'Package: libc6',
  'Status: install ok installed',
  'Architecture: amd64',
  'Source: glibc',
  'Version: 2.28-10+deb10u2',
  '',
  'Package: libssl1.1',
  'Status: install ok installed',
  'Architecture: amd64',
  'Source: openssl',
  'Version: 1.1.1n-0+deb10u6',
  '',
  'Package: bash',
  'Status: install ok installed',
  'Architecture: amd64',
  'Version: 5.0-4',
  '',
  'Package: old-tool',
  'Status: deinstall ok config-files',
  'Architecture: amd64',
  'Version: 1.0-1',
  '',
].join('\n');

const pom = (g: string, a: string, v: string): Uint8Array => Buffer.from(`groupId=${g}\nartifactId=${a}\nversion=${v}\n`);

export async function writeImageFixtures(dir: string): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const image = await buildImage(
    [
      {
        compression: 'gzip',
        createdBy: '/bin/sh -c #(nop) ADD file:3e1f0e2b7c in / ',
        entries: [
          { path: 'etc/os-release', symlink: '../usr/lib/os-release' },
          { path: 'usr/lib/os-release', content: OS_RELEASE },
          { path: 'var/lib/dpkg/status', content: DPKG_STATUS },
        ],
      },
      {
        compression: 'gzip',
        createdBy: 'RUN /bin/sh -c npm ci && pip install requests==2.31.0 # buildkit',
        entries: [
          { path: 'app/node_modules/express/package.json', content: JSON.stringify({ name: 'express', version: '4.18.2', license: 'MIT' }) },
          { path: 'usr/local/lib/python3.7/site-packages/requests-2.31.0.dist-info/METADATA', content: 'Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n' },
          {
            path: 'app/shop.jar',
            content: Buffer.from(
              zipSync({
                'META-INF/maven/com.example/shop/pom.properties': pom('com.example', 'shop', '1.0.0'),
                'BOOT-INF/lib/jackson-databind-2.15.2.jar': zipSync({ 'META-INF/maven/com.fasterxml.jackson.core/jackson-databind/pom.properties': pom('com.fasterxml.jackson.core', 'jackson-databind', '2.15.2') }),
              }),
            ),
          },
        ],
      },
    ],
    {
      config: { User: '', ExposedPorts: { '8080/tcp': {}, '22/tcp': {} }, Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'GITHUB_TOKEN=ghp_' + 'x7Kq2Lm9Pz4Rt6Vw8Yb1Nc3Dj5Fh0Gs2Ae4Q'], Cmd: ['node', 'server.js'] },
      history: [{ created_by: '|1 NPM_TOKEN=npm_' + 'Qm4Rt7Yu2Io9Pa3Sd6Fg1Hj8Kl5Zx0Cv2Bn4 /bin/sh -c npm ci', empty_layer: true }],
    },
  );
  writeOciLayout(path.join(dir, 'shop'), image, '1.0');
  await writeDockerArchive(path.join(dir, 'shop.tar'), image, 'example/shop:1.0');
}

// Run as a script (also through a symlinked checkout, where argv[1] is not the module's real path).
if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(path.resolve(process.argv[1]))) {
  const dir = path.resolve(process.argv[2] ?? 'image-fixtures');
  await writeImageFixtures(dir);
  process.stdout.write(`example image written to ${path.relative(process.cwd(), dir) || '.'}/shop (OCI layout) and ${path.relative(process.cwd(), dir) || '.'}/shop.tar (docker save)\n`);
}
