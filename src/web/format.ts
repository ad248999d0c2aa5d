import { formatDuration } from '../catalogue/duration.js';
import type { RunResult } from '../history/ports.js';

/** A measured duration for a person: "1m 30s"; a dash when there is none. */
export function durationText(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '–' : formatDuration(Math.round(ms));
}

/** 2026-11-30 12:34 UTC: pages show UTC, the same for every reader and in every export. */
export function timeText(iso: string | null | undefined): string {
  if (!iso) return '–';
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export const RESULT_LABELS: Readonly<Record<RunResult | 'not-run' | 'running', string>> = {
  passed: 'passed',
  failed: 'failed',
  aborted: 'aborted',
  refused: 'refused',
  'not-detected': 'not detected',
  'not-run': 'not run',
  running: 'running',
};

export function percentText(part: number, whole: number): string {
  return whole === 0 ? '–' : `${Math.round((100 * part) / whole)}%`;
}
