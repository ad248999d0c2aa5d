import * as z from 'zod';
import { Duration } from './duration.js';
import { parseMatcher } from './label-matchers.js';
import { countSqlStatements } from './sql-statements.js';
import { MIN_RECOVERY_INTERVAL_MS } from './recovery-interval.js';
import { Objectives } from './objectives-schema.js';

/** Checked here, so a bad regex is a validation error and not a failed webhook later. */
const LabelMatcherText = z.string().superRefine((text, context) => {
  try {
    parseMatcher(text);
  } catch (error) {
    context.addIssue({
      code: 'custom',
      message: `${error instanceof Error ? error.message : String(error)}; write label=value, label!=value, label=~regex or label!~regex`,
    });
  }
});

export { DRILL_KINDS, type DrillKind } from './drill-kinds.js';

const Identifier = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes, e.g. drop-orders-table');

/** `schema.table` or `table` (then `public`); quoted names are not needed for drills. */
/** SQL that firedrill runs read-only: one statement, so a `; drop table ...` cannot ride along. */
const OneSqlStatement = z
  .string()
  .min(1)
  .refine((sql) => countSqlStatements(sql) === 1, {
    message: 'one SQL statement only (a read-only query such as select ...): remove the `;` and what follows it',
  });

const TableName = z.string().regex(/^[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)?$/, 'write a table as schema.table, e.g. public.orders');

export const Probe = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('sql'),
    name: z.string().optional(),
    query: OneSqlStatement.describe('Succeeds when the query runs and its first column of the first row is not false/null'),
  }),
  z.strictObject({
    type: z.literal('http'),
    name: z.string().optional(),
    url: z.url(),
    expectStatus: z.number().int().min(100).max(599).optional(),
  }),
  z.strictObject({
    type: z.literal('command'),
    name: z.string().optional(),
    run: z.string().min(1).describe("Succeeds when the shell command (/bin/sh, in the drill file's folder) exits 0"),
  }),
  z
    .strictObject({
      type: z.literal('prometheus'),
      name: z.string().optional(),
      url: z.url().describe("The Prometheus server's base URL, e.g. http://prometheus.monitoring:9090 (a path prefix is kept)"),
      query: z.string().min(1).describe('An instant PromQL query; a comparison filters, so up{job="shop"} == 1 returns nothing while the shop is down'),
      expect: z
        .enum(['nonEmpty', 'empty'])
        .default('nonEmpty')
        .describe('nonEmpty: green when the query returns at least one sample (and every sample is within min/max/equals); empty: green when it returns none, e.g. ALERTS{alertstate="firing"}'),
      min: z.number().optional().describe('Every sample value must be at least this'),
      max: z.number().optional().describe('Every sample value must be at most this'),
      equals: z.number().optional().describe('Every sample value must be exactly this'),
      token: z
        .strictObject({ env: z.string().regex(/^[A-Za-z_]\w*$/, 'an environment variable name, e.g. PROMETHEUS_TOKEN') })
        .optional()
        .describe('Bearer token for a Prometheus behind an authenticating proxy, read from an environment variable'),
    })
    .refine((probe) => probe.expect === 'nonEmpty' || (probe.min === undefined && probe.max === undefined && probe.equals === undefined), {
      message: 'min, max and equals bound the samples of a non-empty result; with expect: empty there are none: remove them',
      path: ['expect'],
    })
    .describe('Succeeds when the instant query returns at least one sample and every sample is within min/max/equals (or, with expect: empty, returns none)'),
  z.strictObject({
    type: z.literal('kubernetes-workloads'),
    name: z.string().optional(),
  }).describe("Succeeds when every Deployment and StatefulSet in the environment's kubernetes.allowedNamespaces has all its desired replicas ready"),
]);
export type Probe = z.infer<typeof Probe>;

export const SteadyState = z.strictObject({
  probes: z.array(Probe).min(1, 'list at least one probe: the run needs a way to see that service is back'),
  interval: Duration.prefault('1s').describe('How often the probes run (preflight, and while recovery is awaited unless recoveryInterval says otherwise)'),
  stableFor: Duration.prefault('10s').describe('How long the probes must stay green before service counts as recovered'),
  recoveryInterval: Duration.refine((ms) => ms >= MIN_RECOVERY_INTERVAL_MS, `at least ${MIN_RECOVERY_INTERVAL_MS}ms: faster checks load the target more than they narrow the bounds`)
    .optional()
    .describe(
      'How often the probes run while recovery is awaited (from injection until service counts as back): the RTO bounds are about this wide. Default: 200ms when every probe is sql or http (five cheap queries a second), else `interval`',
    ),
});
export type SteadyState = z.infer<typeof SteadyState>;

export const Detection = z.strictObject({
  alerts: z
    .array(
      z.strictObject({
        source: z.enum(['alertmanager', 'grafana', 'generic', 'any']).default('any'),
        match: z.array(LabelMatcherText).min(1),
      }),
    )
    .default([]),
  chat: z
    .boolean()
    .default(true)
    .describe('Whether people may report detection: a person saying "detected" in chat or with firedrill detected counts; when false only alerts count (a person\'s report is journaled as ignored)'),
});
export type Detection = z.infer<typeof Detection>;

const KubernetesName = z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a Kubernetes object name: lower-case letters, digits, dashes and dots, e.g. nightly-backup');

/** Restores the drill's namespaces with Velero, from a named backup or the newest Completed one of a schedule. */
export const VeleroRestoreRunbook = z
  .strictObject({
    action: z.literal('velero-restore'),
    namespace: KubernetesName.default('velero').describe('The namespace Velero runs in, where its Backups and Restores live'),
    backup: KubernetesName.optional().describe('The Velero Backup to restore from'),
    schedule: KubernetesName.optional().describe('A Velero Schedule: its newest Completed backup (at preflight) is restored'),
    namespaceMapping: z
      .record(KubernetesName, KubernetesName)
      .optional()
      .describe("Restore a namespace under another name (Velero's namespaceMapping), e.g. { shop: shop-restored }"),
    timeout: Duration.optional().describe("How long the restore may take before the runbook fails; default: until the run's maxDuration"),
  })
  .refine((runbook) => (runbook.backup === undefined) !== (runbook.schedule === undefined), {
    message: 'name exactly one of backup (a Velero Backup) or schedule (its newest Completed backup is restored)',
  });
export type VeleroRestoreRunbook = z.infer<typeof VeleroRestoreRunbook>;

export const Runbook = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('restore-table-from-s3'),
    bucket: z.string().min(1).describe("Name of one of the environment's buckets holding the table backups"),
  }),
  z.strictObject({
    action: z.literal('rescue-from-delayed-replica').describe(
      "Pause the environment's postgres.delayedReplica before it applies the drop, bring it to just before the drop, copy the table back to the primary, resume replay",
    ),
  }),
  z.strictObject({ action: z.literal('command'), run: z.string().min(1).describe("A shell command (/bin/sh, in the drill file's folder); done when it exits 0") }),
  VeleroRestoreRunbook,
]);
export type Runbook = z.infer<typeof Runbook>;

export const Recovery = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('manual'), instructions: z.string().optional() }),
  z.strictObject({
    mode: z.literal('automated'),
    runbook: Runbook,
    trigger: z.enum(['on-detection', 'immediately']).default('on-detection'),
  }),
]);
export type Recovery = z.infer<typeof Recovery>;

export const RpoMarker = z.discriminatedUnion('marker', [
  z.strictObject({
    marker: z.literal('canary'),
    table: TableName.default('public.firedrill_canary'),
    interval: Duration.prefault('1s'),
  }),
  z.strictObject({ marker: z.literal('column'), table: TableName, column: z.string().regex(/^[A-Za-z_]\w*$/) }),
  z.strictObject({
    marker: z.literal('query'),
    query: OneSqlStatement.describe('Returns one timestamp: the newest data present. $1 is bound to the newest value seen before injection'),
  }),
]);
export type RpoMarker = z.infer<typeof RpoMarker>;

export { Objectives };

const DrillCommon = {
  id: Identifier,
  title: z.string().min(1),
  description: z.string().optional(),
  weight: z.number().positive('weight must be above zero').default(1),
  severity: z.enum(['low', 'medium', 'high', 'critical']),
  objectives: Objectives,
  steadyState: SteadyState,
  detection: Detection.default({ alerts: [], chat: true }),
  recovery: Recovery,
  rpo: RpoMarker.optional(),
  verify: z.array(Probe).default([]),
  guards: z
    .array(Probe)
    .default([])
    .describe('What the drill must not hurt (the production site, an error budget): checked before injecting and every steadyState.interval until the undo is done; one going red aborts the run at once and undoes it'),
  maxDuration: Duration,
  requiresApproval: z.boolean().default(false),
  every: Duration.optional().describe(
    'How often the drill is expected to run in each environment, e.g. 30d; a drill not re-run within it is overdue and its share of the resilience score fades. Default: the config\'s scoring.defaultEvery (90d)',
  ),
};

export const DropTableDrill = z.strictObject({
  ...DrillCommon,
  kind: z.literal('drop-table'),
  target: z.strictObject({ table: TableName }),
});

export const LoseNodeDrill = z.strictObject({
  ...DrillCommon,
  kind: z.literal('lose-node'),
  target: z.strictObject({ nodeSelector: z.string().optional(), mode: z.enum(['drain', 'delete']).default('drain') }),
});

export const DeleteClusterDrill = z.strictObject({
  ...DrillCommon,
  kind: z.literal('delete-cluster'),
  target: z
    .strictObject({
      mode: z
        .enum(['namespaces', 'teardown'])
        .default('namespaces')
        .describe("namespaces: delete them (manifests saved first, re-applied by the undo); teardown: run the environment's kubernetes.teardown command"),
      namespaces: z
        .array(z.string().min(1))
        .min(1)
        .optional()
        .describe("The namespaces to delete, all within the environment's kubernetes.allowedNamespaces; default: all of those"),
    })
    .refine((target) => target.mode === 'namespaces' || target.namespaces === undefined, {
      message: 'namespaces applies to mode: namespaces only; teardown runs the environment command',
      path: ['namespaces'],
    }),
  requiresApproval: z.boolean().default(true),
});

export const KeyHolderDrill = z.strictObject({
  ...DrillCommon,
  kind: z.literal('key-holder-unavailable'),
  target: z.strictObject({
    holder: z.string().optional().describe('The key-holder declared unavailable; default: one picked at random (seeded by the run id)'),
    variant: z.enum(['holder', 'bucket-unavailable']).default('holder'),
    bucket: z.string().optional().describe('For bucket-unavailable: the trust bucket taken away; default: one picked at random'),
  }),
});

export const CommandDrill = z.strictObject({
  ...DrillCommon,
  kind: z.literal('command'),
  target: z.strictObject({
    inject: z.string().min(1).describe("Causes the disaster: a shell command (/bin/sh, in the drill file's folder, with FIREDRILL_RUN_ID, FIREDRILL_DRILL and FIREDRILL_ENVIRONMENT set)"),
    undo: z.string().min(1).describe('Undoes it; recorded before the injection and run when the drill ends, on abort or after a crash, so it must be safe to run more than once'),
  }),
});

export const Drill = z
  .discriminatedUnion('kind', [DropTableDrill, LoseNodeDrill, DeleteClusterDrill, KeyHolderDrill, CommandDrill])
  .superRefine((drill, context) => {
    const runbook = drill.recovery.mode === 'automated' ? drill.recovery.runbook : undefined;
    if (runbook?.action !== 'velero-restore') return;
    if (drill.kind === 'delete-cluster' && drill.target.mode === 'namespaces') return;
    context.addIssue({
      code: 'custom',
      path: ['recovery', 'runbook', 'action'],
      message: 'velero-restore restores deleted namespaces: it fits a delete-cluster drill with target.mode: namespaces; use a command runbook here',
    });
  });
export type Drill = z.infer<typeof Drill>;
export type DropTableDrill = z.infer<typeof DropTableDrill>;
export type LoseNodeDrill = z.infer<typeof LoseNodeDrill>;
export type DeleteClusterDrill = z.infer<typeof DeleteClusterDrill>;
