import path from 'node:path';
import type { Bucket } from '../storage/bucket-schema.js';
import type { Environment } from '../config/config-schema.js';
import type { NotifyChannel } from '../notify/notify-schema.js';
import type { SecretRef } from '../catalogue/secret-ref.js';
import type { Trust } from '../trust/trust-schema.js';
import { qualifiedTable } from '../catalogue/table-name.js';
import type { Drill } from '../catalogue/drill-schema.js';
import type { Catalogue } from '../catalogue/load.js';
import { ownValue } from '../catalogue/own.js';
import { environmentRefusal } from '../engine/environment-guard.js';
import { commandNeeds, type CommandNeed } from './command-words.js';
import type { CheckLine } from './report.js';

/** A `{env}` / `{file}` secret a run resolves, by where the config sets it. */
export interface SecretNeed {
  setting: string;
  ref: SecretRef;
}

/** An environment variable named by a `...Env` key (bucket credentials). */
export interface VariableNeed {
  setting: string;
  variable: string;
}

/** A complete backup that a `restore-table-from-s3` runbook will restore. */
export interface BackupNeed {
  bucketName: string;
  bucket: Bucket;
  /** `schema.table` */
  table: string;
  drills: string[];
}

/**
 * What a live check of one environment looks at, decided from the config and the drills
 * allowed there (no I/O): `run.ts` then asks the ports, in this order.
 */
export interface EnvironmentPlan {
  name: string;
  environment: Environment;
  /** Set when the environment is never a target: nothing of it is connected to. */
  refusal: string | undefined;
  drills: Drill[];
  /** What each drill needs from the config, judged without connecting (one line per drill). */
  requirements: CheckLine[];
  secrets: SecretNeed[];
  variables: VariableNeed[];
  /** The database, when the environment has one: reachable, and its allowedTables present. */
  database: { tables: string[]; usedBy: string[] } | undefined;
  /** The cluster, when the environment has one: kubeconfig readable, API server reachable. */
  cluster: { usedBy: string[] } | undefined;
  backups: BackupNeed[];
  /** The circle of trust, when a key-holder drill is allowed and the config has one. */
  trust: { trust: Trust; usedBy: string[] } | undefined;
  commands: CommandNeed[];
}

/** The config-wide secrets every run (the store) or `serve` (the webhooks) resolves. */
export function configSecrets(catalogue: Catalogue): SecretNeed[] {
  const { store, server } = catalogue.config;
  const needs: SecretNeed[] = [];
  if (store.url) needs.push({ setting: 'store.url', ref: store.url });
  if (server.alertToken) needs.push({ setting: 'server.alertToken', ref: server.alertToken });
  if (server.alertHmacSecret) needs.push({ setting: 'server.alertHmacSecret', ref: server.alertHmacSecret });
  catalogue.config.notify.forEach((channel, index) => {
    const [key, ref] = notifySecretOf(channel);
    needs.push({ setting: `notify[${index}].${key}`, ref });
  });
  return needs;
}

interface DrillNeeds {
  database: boolean;
  cluster: boolean;
  trust: boolean;
}

function needsOf(drill: Drill): DrillNeeds {
  const probes = [...drill.steadyState.probes, ...drill.verify, ...drill.guards];
  const sql = drill.rpo !== undefined || probes.some((probe) => probe.type === 'sql');
  const workloads = probes.some((probe) => probe.type === 'kubernetes-workloads');
  switch (drill.kind) {
    case 'drop-table':
      return { database: true, cluster: false, trust: false };
    case 'lose-node':
      return { database: false, cluster: true, trust: false };
    case 'delete-cluster':
      return { database: sql, cluster: true, trust: false };
    case 'key-holder-unavailable':
      return { database: false, cluster: false, trust: true };
    case 'command':
      return { database: sql, cluster: workloads, trust: false };
  }
}

/**
 * Decides which checks apply to `name` for `drills` (the drills allowed there, as a
 * schedule or `random` would pick them): secrets, database and tables, cluster, the backups
 * that restore runbooks need, the circle of trust for key-holder drills, command files.
 */
export function planEnvironmentChecks(catalogue: Catalogue, name: string, drills: readonly Drill[]): EnvironmentPlan {
  const environment = ownValue(catalogue.config.environments, name);
  if (!environment) throw new Error(`no environment "${name}" in the config`);
  const trust = catalogue.config.trust;
  const requirements: CheckLine[] = [];
  const usedBy = { database: [] as string[], cluster: [] as string[], trust: [] as string[] };
  const backups = new Map<string, BackupNeed>();
  const commands: CommandNeed[] = [];

  for (const drill of drills) {
    const needs = needsOf(drill);
    if (needs.database) usedBy.database.push(drill.id);
    if (needs.cluster) usedBy.cluster.push(drill.id);
    if (needs.trust) usedBy.trust.push(drill.id);
    requirements.push(requirementLine(catalogue, name, environment, drill, needs));
    const backup = backupNeed(environment, drill);
    if (backup) {
      const key = `${backup.bucketName}\0${backup.table}`;
      const known = backups.get(key);
      if (known) known.drills.push(drill.id);
      else backups.set(key, backup);
    }
    commands.push(...drillCommands(catalogue, drill));
  }
  const teardown = environment.kubernetes?.teardown;
  if (teardown && drills.some((drill) => drill.kind === 'delete-cluster' && drill.target.mode === 'teardown')) {
    const base = `environments.${name}.kubernetes.teardown`;
    commands.push(...commandNeeds(teardown.command, catalogue.configDir, `${base}.command`));
    commands.push(...commandNeeds(teardown.rebuild, catalogue.configDir, `${base}.rebuild`));
  }

  return {
    name,
    environment,
    refusal: environmentRefusal(name, environment),
    drills: [...drills],
    requirements,
    secrets: environment.postgres
      ? [
          { setting: `environments.${name}.postgres.url`, ref: environment.postgres.url },
          ...(environment.postgres.delayedReplica ? [{ setting: `environments.${name}.postgres.delayedReplica.url`, ref: environment.postgres.delayedReplica.url }] : []),
        ]
      : [],
    variables: [
      ...Object.entries(environment.buckets).flatMap(([bucketName, bucket]) => bucketVariables(`environments.${name}.buckets.${bucketName}`, bucket)),
      ...(trust && usedBy.trust.length ? trust.buckets.flatMap((bucket, index) => bucketVariables(`trust.buckets[${index}] (${bucket.name})`, bucket)) : []),
    ],
    database: environment.postgres ? { tables: environment.postgres.allowedTables.map(qualifiedTable), usedBy: usedBy.database } : undefined,
    cluster: environment.kubernetes ? { usedBy: usedBy.cluster } : undefined,
    backups: [...backups.values()],
    trust: trust && usedBy.trust.length ? { trust, usedBy: usedBy.trust } : undefined,
    commands: dedupe(commands),
  };
}

function bucketVariables(setting: string, bucket: Bucket): VariableNeed[] {
  const needs: VariableNeed[] = [];
  if (bucket.accessKeyIdEnv) needs.push({ setting: `${setting}.accessKeyIdEnv`, variable: bucket.accessKeyIdEnv });
  if (bucket.secretAccessKeyEnv) needs.push({ setting: `${setting}.secretAccessKeyEnv`, variable: bucket.secretAccessKeyEnv });
  return needs;
}

function backupNeed(environment: Environment, drill: Drill): BackupNeed | undefined {
  if (drill.kind !== 'drop-table' || drill.recovery.mode !== 'automated') return undefined;
  const runbook = drill.recovery.runbook;
  if (runbook.action !== 'restore-table-from-s3') return undefined;
  const bucket = ownValue(environment.buckets, runbook.bucket);
  // A bucket the environment does not define is a requirement failure, reported with the drill.
  if (!bucket) return undefined;
  return { bucketName: runbook.bucket, bucket, table: qualifiedTable(drill.target.table), drills: [drill.id] };
}

/** How to leave a drill out of an environment, in the words of its config. */
function leaveOut(name: string, environment: Environment, drillId: string): string {
  return environment.drills === undefined
    ? `or list the drills allowed here in environments.${name}.drills (without that list every drill is allowed, ${drillId} included)`
    : `or remove ${drillId} from environments.${name}.drills`;
}

function requirementLine(catalogue: Catalogue, name: string, environment: Environment, drill: Drill, needs: DrillNeeds): CheckLine {
  const subject = `drill ${drill.id}`;
  const missing: { detail: string; fix: string }[] = [];
  const has: string[] = [];
  if (needs.database) {
    if (environment.postgres) has.push('postgres');
    else missing.push({ detail: `${drill.kind} drill ${drill.id} needs a database, but environment "${name}" has no postgres: section`, fix: `add environments.${name}.postgres (url, allowedTables), ${leaveOut(name, environment, drill.id)}` });
  }
  if (needs.cluster) {
    if (environment.kubernetes) has.push('kubernetes');
    else missing.push({ detail: `${drill.kind} drill ${drill.id} needs a cluster, but environment "${name}" has no kubernetes: section`, fix: `add environments.${name}.kubernetes (kubeconfig, context, allowedNamespaces), ${leaveOut(name, environment, drill.id)}` });
  }
  if (needs.trust) {
    if (catalogue.config.trust) has.push('trust');
    else missing.push({ detail: `key-holder drill ${drill.id} needs the circle of trust, but ${catalogue.configPath} has no trust: section`, fix: `add a trust: section (threshold, holders, buckets; drills.example.yaml documents it), ${leaveOut(name, environment, drill.id)}` });
  }
  missing.push(...kindProblems(catalogue, name, environment, drill, has));
  if (missing.length) {
    return { status: 'failed', subject, detail: missing.map((entry) => entry.detail).join('; '), fix: missing.map((entry) => entry.fix).join('; ') };
  }
  return { status: 'ok', subject, detail: has.length ? `what it needs is configured (${has.join(', ')})` : 'needs nothing from the environment' };
}

/** What a drill of this kind needs beyond the sections: the names it refers to must exist. */
function kindProblems(catalogue: Catalogue, name: string, environment: Environment, drill: Drill, has: string[]): { detail: string; fix: string }[] {
  const problems: { detail: string; fix: string }[] = [];
  if (drill.kind === 'drop-table' && environment.postgres) {
    const table = qualifiedTable(drill.target.table);
    if (!environment.postgres.allowedTables.map(qualifiedTable).includes(table)) {
      problems.push({ detail: `it drops ${table}, which is not in environments.${name}.postgres.allowedTables`, fix: `add ${table} there, ${leaveOut(name, environment, drill.id)}` });
    }
    const recovery = drill.recovery;
    if (recovery.mode === 'automated' && recovery.runbook.action === 'rescue-from-delayed-replica') {
      if (environment.postgres.delayedReplica) has.push('delayed replica');
      else problems.push({ detail: `it rescues from a delayed replica, but environment "${name}" declares none`, fix: `add environments.${name}.postgres.delayedReplica (url, delay), ${leaveOut(name, environment, drill.id)}` });
    }
    if (recovery.mode === 'automated' && recovery.runbook.action === 'restore-table-from-s3') {
      if (ownValue(environment.buckets, recovery.runbook.bucket)) has.push(`bucket ${recovery.runbook.bucket}`);
      else problems.push({ detail: `it restores from bucket "${recovery.runbook.bucket}", which environment "${name}" does not define`, fix: `add it under environments.${name}.buckets` });
    }
  }
  if (drill.kind === 'delete-cluster' && drill.target.mode === 'teardown' && environment.kubernetes) {
    if (!environment.kubernetes.teardown) {
      problems.push({ detail: `it tears the cluster down, but environment "${name}" has no kubernetes.teardown`, fix: `add kubernetes.teardown.command and .rebuild, or use target.mode: namespaces` });
    } else if (environment.kubernetes.kubeconfig === undefined) {
      problems.push({ detail: `it would tear down the cluster firedrill runs in (environment "${name}" uses the in-cluster account)`, fix: 'run firedrill outside the staging cluster and give the environment a kubeconfig' });
    }
  }
  const trust = catalogue.config.trust;
  if (drill.kind === 'key-holder-unavailable' && trust) {
    const holders = trust.holders.map((holder) => holder.name);
    const buckets = trust.buckets.map((bucket) => bucket.name);
    if (drill.target.holder !== undefined && !holders.includes(drill.target.holder)) {
      problems.push({ detail: `its target.holder "${drill.target.holder}" is not in trust.holders (${holders.join(', ')})`, fix: 'name one of the holders, or leave target.holder out for a random pick' });
    }
    if (drill.target.variant === 'bucket-unavailable') {
      if (buckets.length < 2) problems.push({ detail: `variant bucket-unavailable needs at least 2 trust buckets; there is ${buckets.length}`, fix: 'add a bucket (ideally at another provider) under trust.buckets' });
      else if (drill.target.bucket !== undefined && !buckets.includes(drill.target.bucket)) {
        problems.push({ detail: `its target.bucket "${drill.target.bucket}" is not in trust.buckets (${buckets.join(', ')})`, fix: 'name one of the trust buckets, or leave target.bucket out for a random pick' });
      }
    }
  }
  return problems;
}

/** The one secret each notify channel resolves when it first delivers. */
function notifySecretOf(channel: NotifyChannel): [string, SecretRef] {
  switch (channel.kind) {
    case 'webhook':
      return ['secret', channel.secret];
    case 'grafana':
      return ['token', channel.token];
    case 'pagerduty':
      return ['routingKey', channel.routingKey];
    case 'opsgenie':
      return ['apiKey', channel.apiKey];
  }
}

/** Every command a drill's file names: inject and undo, command probes, a command runbook. */
function drillCommands(catalogue: Catalogue, drill: Drill): CommandNeed[] {
  const file = catalogue.drills.get(drill.id)?.file;
  const cwd = file ? path.dirname(path.resolve(file)) : catalogue.configDir;
  const where = (key: string) => `drill ${drill.id} ${key}`;
  const needs: CommandNeed[] = [];
  if (drill.kind === 'command') {
    needs.push(...commandNeeds(drill.target.inject, cwd, where('target.inject')));
    needs.push(...commandNeeds(drill.target.undo, cwd, where('target.undo')));
  }
  drill.steadyState.probes.forEach((probe, index) => {
    if (probe.type === 'command') needs.push(...commandNeeds(probe.run, cwd, where(`steadyState.probes[${index}].run`)));
  });
  drill.verify.forEach((probe, index) => {
    if (probe.type === 'command') needs.push(...commandNeeds(probe.run, cwd, where(`verify[${index}].run`)));
  });
  drill.guards.forEach((probe, index) => {
    if (probe.type === 'command') needs.push(...commandNeeds(probe.run, cwd, where(`guards[${index}].run`)));
  });
  if (drill.recovery.mode === 'automated' && drill.recovery.runbook.action === 'command') {
    needs.push(...commandNeeds(drill.recovery.runbook.run, cwd, where('recovery.runbook.run')));
  }
  return needs;
}

/** The same program in the same folder is checked once, for every place that names it. */
function dedupe(needs: readonly CommandNeed[]): CommandNeed[] {
  const byKey = new Map<string, CommandNeed>();
  for (const need of needs) {
    const key = `${need.kind}\0${need.cwd}\0${need.word}`;
    const known = byKey.get(key);
    if (known) known.settings.push(...need.settings);
    else byKey.set(key, { ...need, settings: [...need.settings] });
  }
  return [...byKey.values()];
}
