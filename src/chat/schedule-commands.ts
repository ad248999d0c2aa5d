import { UserError } from '../errors.js';
import type { ChatRequest } from './adapter.js';
import type { ChatDeps, ChatSchedules } from './context.js';
import { textMessage, type ChatMessage } from './message.js';
import { requireRunSomewhere } from '../engine/permissions.js';
import { chatActor } from './permissions.js';
import { requirePostponePermission } from '../schedule/postponer.js';

/** `postpone <schedule>`: whoever may run drills in the schedule's environment may postpone it. */
export async function postponeCommand(deps: ChatDeps, request: ChatRequest, schedule: string): Promise<ChatMessage> {
  const schedules = schedulesOf(deps);
  requirePostponePermission(chatActor(request, deps.adapter.platform), schedule, deps.catalogue.config);
  return textMessage(await schedules.postpone(schedule, request.user.label), [], 'info');
}

/**
 * `incident open|close|status`: the switch that schedules with the "an incident is open"
 * blackout read. Whoever may run drills in some environment may flip it.
 */
export async function incidentCommand(deps: ChatDeps, request: ChatRequest, action: 'open' | 'close' | 'status', reason?: string): Promise<ChatMessage> {
  const { incidents } = schedulesOf(deps);
  if (action === 'status') {
    const open = await incidents.openIncidentNow();
    return textMessage(open ? `incident open since ${open.openedAt.toISOString()} by ${open.openedBy}: ${open.reason}` : 'no incident is open');
  }
  requireRunSomewhere(chatActor(request, deps.adapter.platform), deps.catalogue.config.environments);
  if (action === 'open') {
    await incidents.openIncident(request.user.label, reason ?? 'opened from chat');
    return textMessage('incident open: scheduled drills with the incident blackout are skipped until: incident close', [], 'warning');
  }
  const closed = await incidents.closeIncident();
  return textMessage(closed ? `incident closed (opened by ${closed.openedBy}: ${closed.reason})` : 'no incident was open', [], 'good');
}

function schedulesOf(deps: ChatDeps): ChatSchedules {
  if (!deps.schedules) throw new UserError('schedules and incidents are not available here', 'use them through firedrill serve');
  return deps.schedules;
}
