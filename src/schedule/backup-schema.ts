import * as z from 'zod';
import { CronExpression, TimeZone } from './schedule-schema.js';

/** One table backed up on a timetable by `firedrill serve`, as `firedrill backup` would. */
export const BackupSchedule = z.strictObject({
  table: z.string().regex(/^[^.\s]+(\.[^.\s]+)?$/, 'write it as schema.table, e.g. public.orders').describe("schema.table; it must be in the environment's postgres.allowedTables"),
  env: z.string().describe('The environment whose table is backed up'),
  schedule: CronExpression.describe('When, as a cron expression, e.g. "0 * * * *" is every hour'),
  timezone: TimeZone.default('UTC'),
  bucket: z.string().optional().describe("Which of the environment's buckets; default: its only one"),
  keep: z.number().int().min(1).optional().describe('Keep only this many of the newest backups; default: keep all'),
});
export type BackupSchedule = z.infer<typeof BackupSchedule>;

/** How a backup schedule is named in messages: `public.orders in staging`. */
export function backupScheduleName(backup: Pick<BackupSchedule, 'table' | 'env'>): string {
  return `${backup.table} in ${backup.env}`;
}
