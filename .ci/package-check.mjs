#!/usr/bin/env node
// `npm run test:package`: firedrill as its users get it. Packs the checkout (prepack builds
// it), checks what the tarball holds, installs it into an empty project with
// `npm install --omit=dev` and again with `npm ci --omit=dev` from the lockfile that made,
// runs the installed `firedrill --help`, `validate` and `demo --json`, and checks that
// `npm ci --omit=dev` works in a checkout too (prepare needs no TypeScript).
// Everything happens in a temporary folder, removed at the end.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'firedrill-package-'));
const npmQuiet = ['--no-audit', '--no-fund', '--prefer-offline'];

/** Runs a command; on failure prints its output and stops the check. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options, env: { ...process.env, ...options.env } });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} (in ${options.cwd ?? root}) exited ${result.status ?? result.signal}\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

function check(condition, message) {
  if (!condition) throw new Error(message);
  console.log(`ok - ${message}`);
}

try {
  const packed = run('npm', ['pack', '--pack-destination', work, '--json'], { cwd: root });
  const [{ filename, files }] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')));
  const tarball = join(work, filename);
  const paths = files.map((file) => file.path);
  const allowed = /^(dist\/firedrill\.js|dist\/healthcheck\.js|dist\/built-in-drills\.json|dist\/THIRD-PARTY-NOTICES\.txt|dist\/chunks\/[^/]+\.js|drills\/[^/]+\.yaml|drills\.example\.yaml|package\.json|README\.md|LICENSE)$/;
  const unexpected = paths.filter((path) => !allowed.test(path));
  check(unexpected.length === 0, `the package holds only the built code, the drills and the docs (${paths.length} files)${unexpected.length ? `; not: ${unexpected.join(', ')}` : ''}`);
  check(paths.includes('dist/firedrill.js') && paths.includes('dist/healthcheck.js') && paths.includes('drills.example.yaml'), 'the package holds the CLI, the container health check and the example config');

  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'firedrill-package-check', private: true }, null, 2)}\n`);
  run('npm', ['install', '--omit=dev', ...npmQuiet, tarball], { cwd: app });
  check(true, 'npm install --omit=dev of the tarball');
  rmSync(join(app, 'node_modules'), { recursive: true });
  run('npm', ['ci', '--omit=dev', ...npmQuiet], { cwd: app });
  check(true, 'npm ci --omit=dev from its lockfile');

  const firedrill = join(app, 'node_modules', '.bin', 'firedrill');
  const env = { FIREDRILL_STATE_DIR: join(work, 'state'), TMPDIR: join(work, 'tmp'), FIREDRILL_LOG_LEVEL: 'warn' };
  mkdirSync(env.TMPDIR);
  const help = run(firedrill, ['--help'], { cwd: app, env });
  check(/validate/.test(help.stdout) && /serve/.test(help.stdout), 'the installed firedrill --help lists the commands');
  const validate = run(firedrill, ['validate', 'node_modules/firedrill/drills.example.yaml'], { cwd: app, env });
  check(/drills\.example\.yaml: no problems/.test(validate.stderr), 'the installed firedrill validate checks the packaged example config');
  cpSync(join(app, 'node_modules', 'firedrill', 'drills.example.yaml'), join(app, 'firedrill.yaml'));
  const own = run(firedrill, ['validate'], { cwd: app, env });
  check(/firedrill\.yaml: no problems/.test(own.stderr), 'firedrill validate reads firedrill.yaml in the current folder');
  const demo = run(firedrill, ['demo', '--json'], { cwd: app, env, timeout: 300_000 });
  check(JSON.parse(demo.stdout).outcome === 'pass', 'the installed firedrill demo runs a whole drill (embedded PostgreSQL and S3 from the production dependencies)');

  // The checkout as git has it, with no dev dependencies: prepare must not need TypeScript.
  const checkout = join(work, 'checkout');
  mkdirSync(checkout);
  execFileSync('sh', ['-c', `git -C "${root}" archive HEAD | tar -x -C "${checkout}"`]);
  const ci = run('npm', ['ci', '--omit=dev', ...npmQuiet], { cwd: checkout });
  check(/dist\/ is not built here/.test(ci.stderr + ci.stdout), 'npm ci --omit=dev in a checkout succeeds, and says that it did not build');
  console.log('package check passed');
} catch (error) {
  console.error(`package check failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
