import { isUserError } from '../errors.js';
import { secrets, type Redactor } from '../secrets/redactor.js';

/**
 * One check's result. `refused`: firedrill would not act on the target (protected or
 * production-looking), so nothing of it was connected to.
 */
export interface CheckLine {
  status: 'ok' | 'failed' | 'refused' | 'skipped';
  subject: string;
  detail: string;
  /** How to make a failed check pass. */
  fix?: string;
}

const LABELS: Record<CheckLine['status'], string> = { ok: 'ok', failed: 'FAILED', refused: 'REFUSED', skipped: 'skipped' };

/**
 * `  ok       subject: detail` or `  FAILED   subject: detail; fix: ...`, on one line, with every
 * secret the process knows masked (and any URL's password).
 */
export function formatCheckLine(line: CheckLine, redactor: Redactor = secrets): string {
  const fix = line.fix && line.status !== 'ok' ? `; fix: ${line.fix}` : '';
  return redactor.redact(`  ${LABELS[line.status].padEnd(8)} ${line.subject}: ${oneLine(line.detail)}${oneLine(fix)}`);
}

/** What went wrong, for a person: a UserError as it is, anything else by its message or code; never a stack. */
export function describeFailure(error: unknown): { detail: string; hint?: string } {
  if (isUserError(error)) return { detail: error.message, hint: error.hint };
  if (error instanceof AggregateError && error.errors.length) return describeFailure(error.errors[0]);
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const message = error.message.trim();
    if (message) return { detail: typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message };
    if (typeof code === 'string') return { detail: code };
    return { detail: error.name };
  }
  return { detail: String(error) };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, '; ');
}
