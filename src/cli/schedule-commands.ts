import { formatDuration } from '../catalogue/duration.js';
import { blackoutReason } from '../schedule/blackout.js';
import { formatInZone, nextCronTimes } from '../schedule/next-runs.js';
import { schedulePostponer } from '../compose/chat-deps.js';
import { UserError } from '../errors.js';
import type { Actor } from '../engine/actor.js';
import { requireRunSomewhere } from '../engine/permissions.js';
import { requirePostponePermission } from '../schedule/postponer.js';
import { loadCatalogueOrExplain, openStoreAndRecover, type CliContext } from './context.js';

/** `firedrill schedule`: the next starts of every schedule, with blackouts marked. Needs no store. */
export async function scheduleCommand(context: CliContext, configPath: string, count: number): Promise<number> {
  const catalogue = await loadCatalogueOrExplain(context, configPath);
  const { schedules } = catalogue.config;
  if (schedules.length === 0) {
    context.err(`no schedules in ${configPath}; add a schedules: section (see drills.example.yaml)\n`);
    return 0;
  }
  for (const schedule of schedules) {
    const extras = [
      schedule.jitter && `starts up to ${formatDuration(schedule.jitter)} later at random`,
      schedule.announce && `announced ${formatDuration(schedule.announce)} before`,
      schedule.cooldown && `cooldown ${formatDuration(schedule.cooldown)}`,
    ].filter(Boolean);
    context.out(`${schedule.name}: ${schedule.pick === 'random' ? 'a random drill' : schedule.pick} in ${schedule.environment}, cron "${schedule.cron}"${extras.length ? ` (${extras.join(', ')})` : ''}\n`);
    for (const at of nextCronTimes(schedule, count)) {
      const blackout = blackoutReason(schedule, at, false);
      context.out(`  ${formatInZone(at, schedule.timezone)}${blackout ? `  skipped: ${blackout}` : ''}\n`);
    }
  }
  return 0;
}

/** Whoever may run drills in the schedule's environment may postpone it (as in chat). */
export async function postponeCommand(context: CliContext, configPath: string, name: string, actor: Actor): Promise<number> {
  const catalogue = await loadCatalogueOrExplain(context, configPath);
  requirePostponePermission(actor, name, catalogue.config);
  const opened = await openStoreAndRecover(context, catalogue);
  try {
    context.err(`${await schedulePostponer(catalogue, opened).postpone(name, actor.label)}\n`);
    return 0;
  } finally {
    await opened.close();
  }
}

/** Opening or closing an incident takes whoever may run drills somewhere (as in chat); status, anyone. */
export async function incidentCommand(context: CliContext, configPath: string, action: string, actor: Actor, reason: string | undefined): Promise<number> {
  if (action !== 'open' && action !== 'close' && action !== 'status') {
    throw new UserError(`no incident action "${action}"`, 'use: firedrill incident open [--reason TEXT], firedrill incident close, or firedrill incident status');
  }
  const catalogue = await loadCatalogueOrExplain(context, configPath);
  if (action !== 'status') requireRunSomewhere(actor, catalogue.config.environments);
  const opened = await openStoreAndRecover(context, catalogue);
  try {
    if (action === 'open') {
      await opened.schedules.openIncident(actor.label, reason ?? 'opened on the command line');
      context.err('incident open: scheduled drills with the "an incident is open" blackout are skipped until it is closed\n');
    } else if (action === 'close') {
      const closed = await opened.schedules.closeIncident();
      context.err(closed ? `incident closed (opened by ${closed.openedBy} at ${closed.openedAt.toISOString()}: ${closed.reason})\n` : 'no incident was open\n');
    } else {
      const open = await opened.schedules.openIncidentNow();
      context.out(open ? `incident open since ${open.openedAt.toISOString()} by ${open.openedBy}: ${open.reason}\n` : 'no incident is open\n');
    }
    return 0;
  } finally {
    await opened.close();
  }
}
