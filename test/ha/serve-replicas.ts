import { access, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { spawnCli } from '../support/cli.js';
import { follow, waitFor, writeCommandDrillConfig, type FollowedProcess } from '../support/embedded-store.js';

/** One `firedrill serve` process of the replicas under test, with its URL and the owner name its journal entries carry. */
export interface Replica {
  name: string;
  process: FollowedProcess;
  url: string;
  owner: string;
  health(): Promise<{ status: number; leader: boolean | undefined }>;
}

/** A one-shot cron (seconds field first) at `at`, UTC: the schedule is due exactly once during the test. */
export function cronAt(at: Date): string {
  return `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} ${at.getUTCDate()} ${at.getUTCMonth() + 1} *`;
}

/**
 * The `command` drill of the store tests (its fault is the file `outage`), with one schedule per
 * time in `startsAt`, each due once, all picking that drill in staging.
 */
export async function writeReplicaConfig(dir: string, startsAt: Date[]): Promise<string> {
  const config = await writeCommandDrillConfig(dir, { maxDuration: '10m' });
  const schedules = startsAt
    .map((at, index) => `  - { name: once-${index + 1}, cron: "${cronAt(at)}", timezone: UTC, environment: staging, pick: flag-outage }\n`)
    .join('');
  await writeFile(config, `builtInDrills: false\ncatalogue: [drills/]\nenvironments:\n  staging: {}\nschedules:\n${schedules}`);
  return config;
}

export const outageIn = (dir: string) => access(join(dir, 'outage')).then(() => true, () => false);

export async function startReplica(name: string, config: string, env: NodeJS.ProcessEnv): Promise<Replica> {
  const process = follow(spawnCli(['serve', '--port', '0', '--config', config], { env }));
  const [, url] = await process.waitFor(/serving on (http:\/\/127\.0\.0\.1:\d+)/);
  const health = async () => {
    const response = await fetch(`${url!}/healthz`).catch(() => undefined);
    if (!response) return { status: 0, leader: undefined };
    const body = (await response.json()) as { leader?: boolean };
    return { status: response.status, leader: body.leader };
  };
  return { name, process, url: url!, owner: `${hostname()} pid ${process.child.pid!}`, health };
}

/** The replicas that say they lead, once every live one has answered /healthz. */
export async function leaders(replicas: readonly Replica[]): Promise<Replica[]> {
  const answers = await Promise.all(replicas.map(async (replica) => ({ replica, health: await replica.health() })));
  return answers.filter(({ health }) => health.leader === true).map(({ replica }) => replica);
}

/** Waits until exactly one of `replicas` leads, and returns it. */
export function theLeader(replicas: readonly Replica[], timeoutMs = 30_000): Promise<Replica> {
  return waitFor(
    'exactly one replica to lead',
    async () => {
      const leading = await leaders(replicas);
      return leading.length === 1 ? leading[0] : undefined;
    },
    timeoutMs,
  );
}

export async function stopReplica(replica: Replica): Promise<void> {
  if (replica.process.child.exitCode !== null || replica.process.child.signalCode !== null) return;
  replica.process.child.kill('SIGTERM');
  await replica.process.exited;
}
