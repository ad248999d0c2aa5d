import type { RunEvent } from '../engine/events.js';

/** One line of the timeline, the same in every rendering. */
export function describeEvent(event: RunEvent): string {
  switch (event.type) {
    case 'run-created':
      return `${event.requestedBy} started drill ${event.drill.id} in ${event.environment}`;
    case 'preflight-check':
      return `preflight ${event.ok ? 'ok' : 'FAILED'}: ${event.check}: ${event.detail}`;
    case 'approval-requested':
      return 'waiting for a second person to approve';
    case 'approved':
      return `approved by ${event.by}`;
    case 'refused':
      return `refused: ${event.reason}`;
    case 'rpo-baseline':
      return `newest data before injection: ${event.newestBefore ?? 'none'}`;
    case 'undo-recorded':
      return `undo recorded: ${event.undo.description}`;
    case 'injecting':
      return `injecting: ${event.actions.join('; ')}`;
    case 'fault-step':
      return `${event.action} (undo: ${event.undoneBy})`;
    case 'injected':
      return 'fault in effect';
    case 'detected':
      return `detected by ${event.by.source}: ${event.by.name}${event.by.detail ? ` (${event.by.detail})` : ''}`;
    case 'signal-ignored':
      return `ignored ${event.by.source} signal ${event.by.name}: ${event.reason}`;
    case 'alert-resolved':
      return `alert resolved: ${event.by.name}`;
    case 'recovery-started':
      return `automated recovery started: ${event.runbook}`;
    case 'recovery-progress':
      return `automated recovery ${event.phase}${event.itemsTotal !== null ? `: ${event.itemsDone ?? 0}/${event.itemsTotal} items` : ''}, ${event.warnings} warning(s), ${event.errors} error(s)`;
    case 'recovery-finished':
      return `automated recovery ${event.ok ? 'finished' : 'FAILED'}: ${event.detail}`;
    case 'recovered':
      return `service back (steady state held ${event.stableForMs / 1000}s)`;
    case 'verify-check':
      return `verify ${event.ok ? 'ok' : 'FAILED'}: ${event.check}: ${event.detail}`;
    case 'rpo-measured':
      return `newest data surviving: ${event.newestAfter ?? 'none'} (before injection: ${event.newestBefore ?? 'none'})`;
    case 'verified':
      return event.ok ? 'verified' : 'verification FAILED';
    case 'abort-requested':
      return `abort requested by ${event.by}: ${event.reason}`;
    case 'guard-tripped':
      return `GUARD RED: ${event.guard}: ${event.detail}; stopping the drill`;
    case 'timed-out':
      return `timed out after ${event.maxDurationMs / 1000}s${event.stillRed?.length ? `; still red: ${event.stillRed.join('; ')}` : ''}`;
    case 'rollback-started':
      return `undoing: ${event.reason}`;
    case 'undo-done':
      return `undone: ${event.description}: ${event.detail}`;
    case 'undo-failed':
      return `UNDO FAILED: ${event.description}: ${event.error}`;
    case 'undo-attempt-failed':
      return `undo try ${event.attempt} failed: ${event.description}: ${event.error}; trying again in ${Math.round(event.retryInMs / 1000)}s`;
    case 'needs-attention':
      return `NEEDS ATTENTION: ${event.reason}`;
    case 'process-started':
      return `started ${event.role} command \`${event.command}\` (process group ${event.pid})`;
    case 'process-ended':
      return `process group ${event.pid} ended: ${event.status}`;
    case 'rolled-back':
      return 'everything injected is undone';
    case 'failed':
      return `error: ${event.error}`;
    case 'taken-over':
      return `taken over by ${event.to} from ${event.from ?? 'a process that is gone'}${event.gapMs === null ? '' : ` after ${(event.gapMs / 1000).toFixed(1)} s`}: ${event.action === 'resumed' ? 'watching for recovery again' : 'rolling back'} (${event.why})`;
    case 'measured':
      return `${event.name}: ${event.value}`;
    case 'answer-submitted':
      return `answer submitted by ${event.by}`;
    case 'scored':
      return `scored: ${event.outcome}`;
    case 'learning-added':
      return `learning added by ${event.by}: ${event.text}`;
    case 'action-added':
      return `action ${event.id} added by ${event.by}: ${event.text}${event.owner ? ` (owner ${event.owner})` : ''}${event.due ? ` (due ${event.due})` : ''}`;
    case 'action-done':
      return `action ${event.id} done, said ${event.by}`;
  }
}
