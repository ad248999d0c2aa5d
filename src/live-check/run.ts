import { formatDuration } from '../catalogue/duration.js';
import { resolveSecret } from '../catalogue/secrets.js';
import { ownValue } from '../catalogue/own.js';
import { looksLikeProduction } from '../engine/environment-guard.js';
import { UserError } from '../errors.js';
import { readManifest } from '../trust/manifest.js';
import { programCandidates, type CommandNeed } from './command-words.js';
import type { EnvironmentPlan, SecretNeed } from './plan.js';
import type { LiveCheckPorts } from './ports.js';
import { describeFailure, type CheckLine } from './report.js';

export interface LiveCheckDeps {
  ports: LiveCheckPorts;
  configDir: string;
  env: NodeJS.ProcessEnv;
  /** Longest wait for any one answer from the outside. */
  timeoutMs: number;
  report(line: CheckLine): void;
}

/** The secrets that are set, by setting; the others have been reported as failed. */
export async function checkSecrets(needs: readonly SecretNeed[], deps: LiveCheckDeps): Promise<Set<string>> {
  const set = new Set<string>();
  for (const need of needs) {
    const source = 'env' in need.ref ? `environment variable ${need.ref.env}` : `file ${need.ref.file}`;
    try {
      await resolveSecret(need.ref, deps.configDir, deps.env);
      set.add(need.setting);
      deps.report({ status: 'ok', subject: `secret ${need.setting}`, detail: `set (${source})` });
    } catch (error) {
      const { detail, hint } = describeFailure(error);
      deps.report({ status: 'failed', subject: `secret ${need.setting}`, detail, fix: hint });
    }
  }
  return set;
}

/**
 * Checks one environment in the plan's order. Nothing of a refused environment is touched,
 * and a production-looking database or cluster is refused before it is connected to.
 */
export async function checkEnvironment(plan: EnvironmentPlan, deps: LiveCheckDeps): Promise<void> {
  const { report } = deps;
  if (plan.refusal) {
    report({ status: 'refused', subject: `environment ${plan.name}`, detail: `${plan.refusal}; nothing of it was checked or connected to` });
    return;
  }
  for (const line of plan.requirements) report(line);
  const secretsSet = await checkSecrets(plan.secrets, deps);
  const unset = new Set<string>();
  for (const need of plan.variables) {
    if (ownValue(deps.env, need.variable)) {
      report({ status: 'ok', subject: `secret ${need.setting}`, detail: `set (environment variable ${need.variable})` });
    } else {
      unset.add(need.variable);
      report({ status: 'failed', subject: `secret ${need.setting}`, detail: `environment variable ${need.variable} is not set`, fix: `export ${need.variable}=... before firedrill starts, or remove the key to use the AWS SDK's default credentials` });
    }
  }
  if (plan.database) await checkDatabase(plan, plan.database.tables, secretsSet.has(`environments.${plan.name}.postgres.url`), deps);
  if (plan.cluster) await checkCluster(plan, deps);
  for (const need of plan.backups) {
    const subject = `backup of ${need.table} in bucket ${need.bucketName}`;
    const missing = [need.bucket.accessKeyIdEnv, need.bucket.secretAccessKeyEnv].filter((name) => name !== undefined && unset.has(name));
    if (missing.length) {
      report({ status: 'skipped', subject, detail: `not checked: ${missing.join(' and ')} not set (above)` });
      continue;
    }
    await checkBackup(need.bucketName, need.bucket, need.table, need.drills, subject, deps);
  }
  if (plan.trust) await checkTrust(plan.trust.trust, plan.trust.usedBy, unset, deps);
  for (const need of plan.commands) await checkCommand(need, deps);
}

/**
 * Rejects with a UserError when `work` has not settled a second after `timeoutMs` (the ports'
 * own timeouts, with their better messages, come first): one dead server must not hang the check.
 */
async function within<T>(deps: LiveCheckDeps, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UserError(`${what}: no answer within ${formatDuration(deps.timeoutMs)}`)), deps.timeoutMs + 1_000);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function checkDatabase(plan: EnvironmentPlan, tables: readonly string[], urlSet: boolean, deps: LiveCheckDeps): Promise<void> {
  const { report } = deps;
  const name = plan.name;
  if (!urlSet) {
    report({ status: 'skipped', subject: 'database', detail: `not checked: environments.${name}.postgres.url cannot be read (above)` });
    return;
  }
  let database;
  try {
    database = await deps.ports.database(name, plan.environment);
  } catch (error) {
    const { detail, hint } = describeFailure(error);
    report({ status: 'failed', subject: 'database', detail, fix: hint ?? `check environments.${name}.postgres.url` });
    return;
  }
  try {
    const subject = `database ${database.label}`;
    const override = `set allowProductionLookingNames: true on ${name} if it really is a staging database`;
    if (!plan.environment.allowProductionLookingNames && looksLikeProduction(database.label)) {
      report({ status: 'refused', subject, detail: `${database.label} looks like a production database: not connected to, and its drills would be refused`, fix: override });
      return;
    }
    let server;
    try {
      server = await within(deps, `database ${database.label}`, database.identify());
    } catch (error) {
      const { detail, hint } = describeFailure(error);
      report({
        status: 'failed',
        subject,
        detail: `cannot connect: ${detail}`,
        fix: hint ?? `check that the server is running and reachable from here, and that environments.${name}.postgres.url points at it with the right user and password`,
      });
      return;
    }
    // The server's own answer: the URL may name one database and reach another.
    if (!plan.environment.allowProductionLookingNames && looksLikeProduction(server.database)) {
      report({ status: 'refused', subject, detail: `the server says it is database "${server.database}", which looks like production; nothing more was asked`, fix: override });
      return;
    }
    report({ status: 'ok', subject, detail: `reachable (PostgreSQL ${server.version}, database ${server.database})` });
    if (tables.length === 0) return;
    let missing: string[];
    try {
      missing = await within(deps, `database ${database.label}`, database.missingTables(tables));
    } catch (error) {
      report({ status: 'failed', subject: 'allowed tables', detail: `cannot look them up: ${describeFailure(error).detail}`, fix: 'check that the user in postgres.url may read the catalog (it needs no write access)' });
      return;
    }
    for (const table of tables) {
      if (missing.includes(table)) {
        report({ status: 'failed', subject: `table ${table}`, detail: `missing in ${database.label}`, fix: `create (or restore) it, or remove it from environments.${name}.postgres.allowedTables` });
      } else {
        report({ status: 'ok', subject: `table ${table}`, detail: 'present' });
      }
    }
  } finally {
    await database.close().catch(() => undefined);
  }
}

async function checkCluster(plan: EnvironmentPlan, deps: LiveCheckDeps): Promise<void> {
  const { report } = deps;
  const name = plan.name;
  let cluster;
  try {
    cluster = deps.ports.cluster(name, plan.environment);
  } catch (error) {
    const { detail, hint } = describeFailure(error);
    report({ status: 'failed', subject: 'kubeconfig', detail, fix: hint ?? `check environments.${name}.kubernetes.kubeconfig and context` });
    return;
  }
  report({ status: 'ok', subject: 'kubeconfig', detail: `readable: context ${cluster.context}, server ${cluster.server}` });
  const subject = `API server ${cluster.server}`;
  const suspect = [cluster.context, cluster.server].find((text) => looksLikeProduction(text));
  if (!plan.environment.allowProductionLookingNames && suspect) {
    report({ status: 'refused', subject, detail: `${suspect} looks like production: not connected to, and its drills would be refused`, fix: `set allowProductionLookingNames: true on ${name} if it really is a staging cluster` });
    return;
  }
  try {
    const version = await within(deps, subject, cluster.version());
    report({ status: 'ok', subject, detail: `reachable (Kubernetes ${version})` });
  } catch (error) {
    const { detail, hint } = describeFailure(error);
    report({ status: 'failed', subject, detail: `cannot reach it: ${detail}`, fix: hint ?? 'check that the cluster is up, and the kubeconfig\'s server address and credentials' });
  }
}

async function checkBackup(bucketName: string, bucketSpec: Parameters<LiveCheckPorts['bucket']>[0], table: string, drills: readonly string[], subject: string, deps: LiveCheckDeps): Promise<void> {
  let bucket;
  try {
    bucket = deps.ports.bucket(bucketSpec);
  } catch (error) {
    const { detail, hint } = describeFailure(error);
    deps.report({ status: 'failed', subject, detail, fix: hint });
    return;
  }
  try {
    const newest = await within(deps, `bucket ${bucketName}`, bucket.newestBackup(table));
    if (newest) {
      deps.report({ status: 'ok', subject, detail: `newest complete backup ${bucket.location}${newest.key} taken ${newest.takenAt.toISOString()} (${newest.rows} rows)` });
    } else {
      deps.report({
        status: 'failed',
        subject,
        detail: `no complete backup of ${table} in ${bucket.location} (${drills.join(', ')} restore${drills.length === 1 ? 's' : ''} from it)`,
        fix: `take a backup of ${table} into ${bucket.location} before the drill runs (a backup is complete once its definition.json is written), or check the bucket's name and prefix`,
      });
    }
  } catch (error) {
    const { detail, hint } = describeFailure(error);
    deps.report({ status: 'failed', subject, detail: `cannot read ${bucket.location}: ${detail}`, fix: hint ?? `check the endpoint, region and credentials of environments.*.buckets.${bucketName}` });
  } finally {
    bucket.close();
  }
}

async function checkTrust(trust: Parameters<LiveCheckPorts['circle']>[0], usedBy: readonly string[], unset: ReadonlySet<string>, deps: LiveCheckDeps): Promise<void> {
  const { report } = deps;
  let opened;
  try {
    opened = await within(deps, 'the circle of trust', deps.ports.circle(trust));
  } catch (error) {
    const { detail, hint } = describeFailure(error);
    report({ status: 'failed', subject: 'circle of trust', detail, fix: hint });
    return;
  }
  try {
    const { circle } = opened;
    report({
      status: 'ok',
      subject: 'circle of trust',
      detail: `${circle.holders.length} key-holder(s) (${circle.holders.map((holder) => holder.name).join(', ')}), threshold ${circle.threshold}, public keys readable (for ${usedBy.join(', ')})`,
    });
    for (const bucket of circle.buckets) {
      const subject = `trust bucket ${bucket.name} (${bucket.store.location})`;
      const missing = [bucket.spec.accessKeyIdEnv, bucket.spec.secretAccessKeyEnv].filter((name) => name !== undefined && unset.has(name));
      if (missing.length) {
        report({ status: 'skipped', subject, detail: `not checked: ${missing.join(' and ')} not set (above)` });
        continue;
      }
      const read = await within(deps, subject, readManifest(bucket.store, circle.pgp)).catch((error: unknown) => ({ state: 'unreachable' as const, reason: describeFailure(error).detail }));
      switch (read.state) {
        case 'ok':
          report({ status: 'ok', subject, detail: `reachable; sealed bundle #${read.manifest.sequence} of ${read.manifest.sealedAt}, ${read.manifest.files.length} file(s)` });
          break;
        case 'missing':
          report({ status: 'failed', subject, detail: 'reachable, but nothing is sealed there: the key-holder drill has no bundle to test', fix: 'seal the DR bundle: firedrill trust seal FILE...' });
          break;
        case 'unreachable':
          report({ status: 'failed', subject, detail: `cannot read it: ${read.reason}`, fix: `check the endpoint, region, credentials and name of trust.buckets ${bucket.name}` });
          break;
        case 'invalid':
          report({ status: 'failed', subject, detail: `its manifest is not usable: ${read.reason}`, fix: 'firedrill trust verify says more; seal the bundle again with firedrill trust seal' });
          break;
      }
    }
  } finally {
    opened.close();
  }
}

async function checkCommand(need: CommandNeed, deps: LiveCheckDeps): Promise<void> {
  const where = need.settings.join(', ');
  const candidates = programCandidates(need, ownValue(deps.env, 'PATH'));
  const states = await Promise.all(candidates.map(async (file) => ({ file, state: await deps.ports.file(file) })));
  const subject = `${need.kind} ${need.word}`;
  if (need.kind === 'script') {
    const [found] = states;
    if (found?.state === 'file' || found?.state === 'executable') deps.report({ status: 'ok', subject, detail: `present (${found.file}; ${where})` });
    else deps.report({ status: 'failed', subject, detail: `${found?.file ?? need.word} is ${found?.state === 'folder' ? 'a folder' : 'missing'} (${where})`, fix: `create it, or fix the path (relative to ${need.cwd})` });
    return;
  }
  const runnable = states.find((entry) => entry.state === 'executable');
  if (runnable) {
    deps.report({ status: 'ok', subject, detail: `present (${runnable.file}; ${where})` });
    return;
  }
  if (need.word.includes('/')) {
    const [found] = states;
    const state = found?.state ?? 'missing';
    const fix = state === 'file' ? `make it executable (chmod +x ${found!.file}), or run it through its interpreter (sh ${need.word})` : `create it, or fix the path (relative to ${need.cwd})`;
    deps.report({ status: 'failed', subject, detail: `${found?.file ?? need.word} is ${state === 'file' ? 'not executable' : state === 'folder' ? 'a folder' : 'missing'} (${where})`, fix });
    return;
  }
  deps.report({ status: 'failed', subject, detail: `not found in PATH (${where})`, fix: `install ${need.word} where firedrill runs, or put its folder in PATH` });
}
