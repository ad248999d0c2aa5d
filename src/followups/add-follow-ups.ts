import { ownValue } from '../catalogue/own.js';
import type { DrillCatalogue } from '../catalogue/effective.js';
import type { Actor } from '../engine/actor.js';
import type { Clock } from '../engine/clock.js';
import { requirePermission } from '../engine/permissions.js';
import type { RunStore, RunSummary } from '../engine/ports.js';
import { resolveRun } from '../engine/resolve-run.js';
import { UserError } from '../errors.js';
import { checkText, newActionId, parseActionId, parseDue, parseOwner } from './follow-up-rules.js';
import type { ActionItem } from './follow-ups.js';

export interface FollowUpDeps {
  catalogue: DrillCatalogue;
  store: RunStore;
  clock: Clock;
  /** New action ids (tests pass their own). */
  newId?: () => string;
}

/** What a person asked to add to an action, as typed: the front end only splits the words. */
export interface ActionRequest {
  text: string;
  owner?: string;
  due?: string;
}

/**
 * Who may add follow-ups and mark actions done: whoever may report detection or recovery in the
 * run's environment (its `signal` permission, with its `channels` in chat); on the command line,
 * without chat permissions, anyone with the config and the store. The run may be going or over.
 */
async function permittedRun(deps: FollowUpDeps, actor: Actor, runId: string): Promise<RunSummary> {
  const run = await resolveRun(deps.store, runId);
  requireFollowUpPermission(deps, actor, run);
  return run;
}

function requireFollowUpPermission(deps: FollowUpDeps, actor: Actor, run: Pick<RunSummary, 'id' | 'environment'>): void {
  const environment = ownValue(deps.catalogue.config.environments, run.environment);
  if (!environment) throw new UserError(`run ${run.id.slice(0, 8)} is in ${run.environment}, which the config no longer has`);
  requirePermission('signal', actor, run.environment, environment);
}

/** `learned <run> <text>`. */
export async function addLearning(deps: FollowUpDeps, actor: Actor, runId: string, text: string): Promise<{ run: RunSummary; text: string }> {
  const checked = checkText(text, 'learning');
  const run = await permittedRun(deps, actor, runId);
  await deps.store.append(run.id, { type: 'learning-added', text: checked, by: actor.label, identity: actor.identity }, deps.clock.now());
  return { run, text: checked };
}

const ID_TRIES = 5;

/** `action <run> <text> [@owner] [due <date>]`: returns the new action item. */
export async function addAction(deps: FollowUpDeps, actor: Actor, runId: string, request: ActionRequest): Promise<{ run: RunSummary; action: ActionItem }> {
  const now = deps.clock.now();
  const text = checkText(request.text, 'action');
  const owner = request.owner === undefined ? null : parseOwner(request.owner);
  const due = request.due === undefined ? null : parseDue(request.due, now.at.slice(0, 10));
  const run = await permittedRun(deps, actor, runId);
  const id = await unusedId(deps);
  await deps.store.append(run.id, { type: 'action-added', id, text, owner, due, by: actor.label, identity: actor.identity }, now);
  return { run, action: { id, runId: run.id, text, owner, due, createdBy: actor.label, createdAt: now.at, doneAt: null, doneBy: null } };
}

/** One unlikely collision is tried again; the store's unique index is the last word. */
async function unusedId(deps: FollowUpDeps): Promise<string> {
  for (let tries = 0; tries < ID_TRIES; tries++) {
    const id = (deps.newId ?? newActionId)();
    if (!(await deps.store.actionItem(id))) return id;
  }
  throw new Error(`no unused action id after ${ID_TRIES} tries`);
}

/**
 * `done <action>`: idempotent; an action already done stays done by whoever said so first,
 * and `alreadyDone` says so.
 */
export async function markActionDone(deps: FollowUpDeps, actor: Actor, actionId: string): Promise<{ action: ActionItem; alreadyDone: boolean }> {
  const id = parseActionId(actionId);
  const action = await deps.store.actionItem(id);
  if (!action) throw new UserError(`no action ${id}`, 'see the open ones with `firedrill actions`, or in the run\'s report');
  const run = await deps.store.get(action.runId);
  if (!run) throw new Error(`action ${id} belongs to run ${action.runId}, which the store does not have`);
  requireFollowUpPermission(deps, actor, run);
  if (action.doneAt) return { action, alreadyDone: true };
  const now = deps.clock.now();
  await deps.store.append(run.id, { type: 'action-done', id, by: actor.label, identity: actor.identity }, now);
  // Two people at once: the first journaled is the one that counts, as followUpsOf reads it.
  const stored = (await deps.store.actionItem(id)) ?? { ...action, doneAt: now.at, doneBy: actor.label };
  return { action: stored, alreadyDone: stored.doneBy !== actor.label || stored.doneAt !== now.at };
}
