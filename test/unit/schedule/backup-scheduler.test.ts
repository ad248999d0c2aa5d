import { afterEach, expect, it, vi } from 'vitest';
import { BackupSchedule } from '../../../src/schedule/backup-schema.js';
import { BackupScheduler } from '../../../src/schedule/backup-scheduler.js';

afterEach(() => {
  vi.useRealTimers();
});

it('skips a cron time that comes while the backup before is still running, and does not make up missed ones', async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  const backup = BackupSchedule.parse({ table: 'public.orders', env: 'staging', schedule: '*/5 * * * *' });
  const finish: (() => void)[] = [];
  const reports: string[] = [];
  let started = 0;
  const scheduler = new BackupScheduler({
    backups: [backup],
    take: () => {
      started++;
      return new Promise((resolve) => finish.push(() => resolve(`taken ${started}`)));
    },
    report: (text, failed) => reports.push(`${failed ? 'FAILED ' : ''}${text}`),
  });
  const at = (iso: string) => {
    vi.setSystemTime(new Date(iso));
    scheduler.tick();
  };

  at('2027-01-01T10:01:00Z');
  at('2027-01-01T10:05:00Z');
  expect(started).toBe(1);
  at('2027-01-01T10:10:00Z');
  expect(started).toBe(1);
  expect(reports).toEqual(['FAILED backup of public.orders in staging: skipped the Fri 2027-01-01 10:10 UTC backup, the one before is still running']);
  finish.shift()!();
  await scheduler.idle();
  expect(reports.at(-1)).toBe('taken 1');

  // Firedrill was not ticking from 10:10 to 11:00: one backup at the first tick after, not ten.
  at('2027-01-01T11:00:30Z');
  at('2027-01-01T11:01:00Z');
  expect(started).toBe(2);
  finish.shift()!();
  await scheduler.stop();
  expect(reports.at(-1)).toBe('taken 2');
});

it('takes no backup on a replica that does not lead, and the leader does not make up its missed times', () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  const backup = BackupSchedule.parse({ table: 'public.orders', env: 'staging', schedule: '*/5 * * * *' });
  let started = 0;
  const scheduler = new BackupScheduler({ backups: [backup], take: async () => `taken ${++started}`, report: () => undefined });
  const at = (iso: string, leading: boolean) => {
    vi.setSystemTime(new Date(iso));
    scheduler.tick(leading);
  };

  at('2027-01-01T10:01:00Z', false);
  at('2027-01-01T10:05:00Z', false);
  expect(started).toBe(0);
  at('2027-01-01T10:06:00Z', true);
  expect(started).toBe(0);
  at('2027-01-01T10:10:00Z', true);
  expect(started).toBe(1);
});
