import * as z from 'zod';
import { Duration } from '../catalogue/duration.js';
import { Objectives } from '../catalogue/objectives-schema.js';
import { Secret } from '../catalogue/secret-ref.js';
import { ChatPermissions, ChatSection } from '../chat/chat-schema.js';
import { NotifyChannel } from '../notify/notify-schema.js';
import { BackupSchedule } from '../schedule/backup-schema.js';
import { ReportsSection } from '../reports/reports-schema.js';
import { Schedule } from '../schedule/schedule-schema.js';
import { Bucket } from '../storage/bucket-schema.js';
import { Trust } from '../trust/trust-schema.js';
import { PageAccessFields } from '../web/pages-schema.js';
import { Scoring } from '../scoring/scoring-schema.js';
import { Digest } from '../digest/digest-schema.js';

/*
 * The whole config file, composed here from the sections each part of firedrill defines
 * beside its own code (drills, chat, schedules, notify, trust, buckets, secrets). This module
 * sits above all of them: none of them imports it, so a new section is one import and one line.
 */

/** Where lose-node and delete-cluster drills may act; nothing outside it is touched. */
export const KubernetesTarget = z.strictObject({
  kubeconfig: z
    .union([z.string().min(1), z.strictObject({ env: z.string().regex(/^[A-Za-z_]\w*$/, 'an environment variable name, e.g. STAGING_KUBECONFIG') })])
    .optional()
    .describe('A kubeconfig file (relative to the config file), or {env: NAME} holding the kubeconfig YAML; default: the in-cluster service account'),
  context: z.string().min(1).optional().describe("The kubeconfig context to use; default: the file's current context"),
  allowedNamespaces: z.array(z.string().min(1)).min(1).describe('The only namespaces whose pods a drill may evict or whose workloads it probes'),
  nodeSelector: z.string().optional().describe('Label selector for the nodes a drill may take away, e.g. pool=staging'),
  allowControlPlane: z.boolean().default(false).describe('Whether a control-plane node may be picked'),
  teardown: z
    .strictObject({
      command: z.string().min(1).describe('Destroys the staging cluster, e.g. `terraform -chdir=infra/staging destroy -auto-approve`'),
      rebuild: z.string().min(1).describe('Rebuilds it from code, e.g. `terraform -chdir=infra/staging apply -auto-approve`; the undo, so it must be safe to run twice'),
      timeout: Duration.prefault('1h').describe('How long either command may run'),
    })
    .optional()
    .describe('For delete-cluster drills in mode teardown: the team tears the cluster down and rebuilds it from code'),
});
export type KubernetesTarget = z.infer<typeof KubernetesTarget>;

/** A standby kept a little behind its primary, so that a dropped table can still be read from it. */
export const DelayedReplica = z.strictObject({
  url: Secret.describe('Connection URL of the standby (a role that may run pg_wal_replay_pause and pg_wal_replay_resume)'),
  delay: Duration.describe("Its recovery_min_apply_delay, e.g. 15m; preflight checks that the standby's setting is close to it"),
});
export type DelayedReplica = z.infer<typeof DelayedReplica>;

export const Environment = z.strictObject({
  description: z.string().optional(),
  protected: z.boolean().default(false).describe('A protected environment is never a drill target'),
  allowProductionLookingNames: z
    .boolean()
    .default(false)
    .describe('Environments whose names, hosts or databases look like production are refused unless this is true'),
  drills: z.array(z.string()).optional().describe('Drill ids allowed here; default: all'),
  postgres: z
    .strictObject({
      url: Secret,
      allowedTables: z.array(z.string()).min(1).describe('The only tables a drill may drop, as schema.table'),
      delayedReplica: DelayedReplica.optional().describe(
        'A hot standby of this database that applies changes late (recovery_min_apply_delay): the rescue-from-delayed-replica runbook copies a dropped table back from it',
      ),
    })
    .optional(),
  kubernetes: KubernetesTarget.optional(),
  commandGrace: Duration.optional().describe(
    "When firedrill ends a command it started (abort, timeout, a crashed run's recovery): how long between SIGTERM to the command's process group and SIGKILL; default 5s",
  ),
  buckets: z.record(z.string(), Bucket).default({}),
  chat: ChatPermissions.optional().describe('Who may run, abort and approve drills here, from chat and the command line, and in which chat channels'),
});
export type Environment = z.infer<typeof Environment>;

export const Override = z.strictObject({
  objectives: Objectives.optional(),
  weight: z.number().positive().optional(),
  maxDuration: Duration.optional(),
  requiresApproval: z.boolean().optional(),
  every: Duration.optional().describe('How often the drill is expected to run (overrides its every:)'),
});
export type Override = z.infer<typeof Override>;

const LeaderElection = z.union([
  z.strictObject({
    lease: z.strictObject({
      namespace: z.string().min(1).optional().describe('Namespace of the Lease; default: $POD_NAMESPACE'),
      name: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a Kubernetes object name, e.g. firedrill-leader').default('firedrill-leader'),
      kubeconfig: z.string().min(1).optional().describe('A kubeconfig file (relative to the config file); default: the in-cluster service account'),
    }),
  }),
  z.strictObject({
    postgres: z.strictObject({ name: z.string().min(1).default('firedrill').describe('Replicas with the same name elect one leader') }).prefault({}),
  }),
]);

export const Config = z.strictObject({
  catalogue: z
    .array(z.string())
    .default([])
    .describe('Drill files or folders, relative to this file; the built-in catalogue is always included'),
  builtInDrills: z.boolean().default(true).describe('Include the drills that ship with firedrill'),
  environments: z
    .record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes, e.g. staging'), Environment)
    // Optional so that a file holding only `trust:` is a valid config for the trust commands.
    .default({}),
  overrides: z.record(z.string(), Override).default({}),
  schedules: z.array(Schedule).default([]).describe('Random drills on a timetable (firedrill serve runs them)'),
  backups: z
    .array(BackupSchedule)
    .default([])
    .describe('Tables firedrill serve backs up on a timetable, in the format the restore and the drop-table runbook read'),
  trust: Trust.optional().describe('The circle of trust: key-holders and buckets of the sealed DR bundle'),
  chat: ChatSection,
  scoring: Scoring,
  digest: Digest,
  store: z.strictObject({ url: Secret.optional() }).default({}),
  reports: ReportsSection,
  notify: z
    .array(NotifyChannel)
    .default([])
    .describe("Tell the team's tools about runs: a signed webhook, Grafana annotations, a test incident in PagerDuty or Opsgenie; delivery never holds up or breaks a run"),
  undo: z
    .strictObject({
      attempts: z.number().int().min(1).max(100).default(8).describe('Tries of each undo action before the run needs attention, the first included'),
      firstDelay: Duration.prefault('1s').describe('Wait before the second try; it doubles for each further try'),
      maxDelay: Duration.prefault('30s').describe('Longest wait between two tries'),
    })
    .prefault({})
    .describe('How hard firedrill retries an undo that fails (a database restarting, an API server failing over)'),
  server: z
    .strictObject({
      port: z.number().int().min(0).max(65535).default(8080),
      host: z.string().default('127.0.0.1'),
      alertToken: Secret.optional().describe('Bearer token that alert webhooks must send'),
      alertHmacSecret: Secret.optional().describe('Or: secret for signed requests: X-Firedrill-Timestamp: <unix seconds> and X-Firedrill-Signature: v1=<hex HMAC-SHA256 of "v1:<timestamp>:<body>">'),
      leaderElection: LeaderElection.optional().describe(
        'How replicas of firedrill serve on one store pick the one that runs schedules and takes over dead runs; default: a Kubernetes Lease in $POD_NAMESPACE when running in a cluster (KUBERNETES_SERVICE_HOST and POD_NAMESPACE set), else a PostgreSQL advisory lock on the store',
      ),
      ...PageAccessFields,
    })
    .default({ port: 8080, host: '127.0.0.1' }),
});
export type Config = z.infer<typeof Config>;
