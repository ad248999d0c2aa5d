import { findEvent, findEvents, unresolvedAttention, type RunEvent } from '../engine/events.js';
import type { Scorecard } from '../scoring/scorecard-schema.js';

export interface Check {
  check: string;
  ok: boolean;
  detail: string;
  at: string;
}

/** What the journal shows was checked, done and undone: the evidence behind the numbers. */
export interface Evidence {
  /** Target allowed, steady state green, no other run, approval: before anything was touched. */
  preflight: Check[];
  injection: {
    /** What the run planned to do, as journaled before it began. */
    planned: string[];
    /** Each change made, with how it is undone. */
    steps: { action: string; undoneBy: string; at: string }[];
    injectedAt: string | null;
  };
  undo: {
    /** Undo actions recorded before the injection. */
    recorded: string[];
    done: { description: string; detail: string; at: string }[];
    failed: { description: string; error: string; at: string }[];
    /** True once everything injected was undone by a rollback (abort, timeout, takeover). */
    rolledBack: boolean;
    /** Why a person must act, while an undo could not complete. */
    needsAttention: string | null;
  };
  verification: Check[];
  /** Where the RPO was read: the marker, its newest value before injection and after recovery. */
  rpo: { marker: string | null; newestBefore: string | null; newestAfter: string | null } | null;
  measurements: { name: string; value: string | number }[];
}

export function evidenceOf(events: readonly RunEvent[], scorecard: Scorecard): Evidence {
  return {
    preflight: findEvents(events, 'preflight-check').map(({ check, ok, detail, at }) => ({ check, ok, detail, at })),
    injection: {
      planned: findEvent(events, 'injecting')?.actions ?? [],
      steps: findEvents(events, 'fault-step').map(({ action, undoneBy, at }) => ({ action, undoneBy, at })),
      injectedAt: findEvent(events, 'injected')?.at ?? null,
    },
    undo: {
      recorded: findEvents(events, 'undo-recorded').map((event) => event.undo.description),
      done: findEvents(events, 'undo-done').map(({ description, detail, at }) => ({ description, detail, at })),
      failed: findEvents(events, 'undo-failed').map(({ description, error, at }) => ({ description, error, at })),
      rolledBack: findEvent(events, 'rolled-back') !== undefined,
      needsAttention: unresolvedAttention(events) ?? null,
    },
    verification: findEvents(events, 'verify-check').map(({ check, ok, detail, at }) => ({ check, ok, detail, at })),
    rpo: scorecard.rpo && { marker: scorecard.rpo.source, newestBefore: scorecard.rpo.newestBefore, newestAfter: scorecard.rpo.newestAfter },
    measurements: scorecard.measurements,
  };
}
