#!/usr/bin/env node
// Builds dist/ with the project's TypeScript compiler.
//   node scripts/build.mjs             the development build (source maps, test/bench included)
//   node scripts/build.mjs --package   for `npm pack`/`npm publish` (prepack): from an empty dist/,
//                                      so nothing stale is packed, and without source maps
//   node scripts/build.mjs --if-typescript
//                                      for `prepare`: a checkout installed with `npm ci` gets a
//                                      built CLI; one installed with `npm ci --omit=dev` has no
//                                      TypeScript and is not built (dist/ then comes from a build
//                                      stage or `npm pack`); under `npm pack` or `npm publish`,
//                                      prepack has just built it for the package
import { execFileSync } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = new Set(process.argv.slice(2));
const require = createRequire(import.meta.url);

if (args.has('--if-typescript') && ['pack', 'publish'].includes(process.env.npm_command ?? '')) process.exit(0);

let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  if (args.has('--if-typescript')) {
    console.error('firedrill: TypeScript is not installed (devDependencies omitted): dist/ is not built here');
    process.exit(0);
  }
  console.error('firedrill: the build needs TypeScript: run npm ci (with devDependencies) first');
  process.exit(1);
}

const packaging = args.has('--package');
if (packaging) rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', ...(packaging ? ['--sourceMap', 'false'] : [])], { cwd: root, stdio: 'inherit' });
chmodSync(new URL('../dist/src/cli.js', import.meta.url), 0o755);
