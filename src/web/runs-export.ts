import type { ServerResponse } from 'node:http';
import type { RunRecord } from '../history/ports.js';

/** The columns of /runs.csv, in order: the RunRecord's fields, flattened. */
const CSV_COLUMNS: readonly [string, (run: RunRecord) => string | number | boolean | null][] = [
  ['id', (r) => r.id],
  ['created_at', (r) => r.createdAt],
  ['finished_at', (r) => r.finishedAt],
  ['environment', (r) => r.environment],
  ['drill', (r) => r.drill],
  ['title', (r) => r.title],
  ['kind', (r) => r.kind],
  ['severity', (r) => r.severity],
  ['requested_by', (r) => r.requestedBy],
  ['outcome', (r) => r.outcome],
  ['result', (r) => r.result],
  ['ttd_ms', (r) => r.ttdMs],
  ['ttd_low_ms', (r) => r.bounds.ttdMs?.low ?? null],
  ['ttd_high_ms', (r) => r.bounds.ttdMs?.high ?? null],
  ['ttd_objective_ms', (r) => r.objectives.ttdMs],
  ['ttd_met', (r) => r.met.ttd],
  ['rto_ms', (r) => r.rtoMs],
  ['rto_low_ms', (r) => r.bounds.rtoMs?.low ?? null],
  ['rto_high_ms', (r) => r.bounds.rtoMs?.high ?? null],
  ['rto_objective_ms', (r) => r.objectives.rtoMs],
  ['rto_met', (r) => r.met.rto],
  ['rpo_ms', (r) => r.rpoMs],
  ['rpo_low_ms', (r) => r.bounds.rpoMs?.low ?? null],
  ['rpo_high_ms', (r) => r.bounds.rpoMs?.high ?? null],
  ['rpo_objective_ms', (r) => r.objectives.rpoMs],
  ['rpo_met', (r) => r.met.rpo],
];

/**
 * One CSV field (RFC 4180). Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR
 * first) is prefixed with an apostrophe: a drill title is not a command to a manager's spreadsheet.
 */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(run: RunRecord): string {
  return `${CSV_COLUMNS.map(([, read]) => csvField(read(run))).join(',')}\r\n`;
}

export const CSV_HEADER = `${CSV_COLUMNS.map(([name]) => name).join(',')}\r\n`;

/** Writes the runs as they are read, a chunk at a time, waiting whenever the client reads slower. */
export async function streamExport(
  response: ServerResponse,
  format: 'csv' | 'json',
  runs: AsyncIterable<RunRecord>,
  filename: string,
): Promise<void> {
  response.writeHead(200, {
    'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
    'content-disposition': `attachment; filename="${filename}"`,
    'cache-control': 'no-store',
  });
  let chunk = format === 'csv' ? CSV_HEADER : '[';
  let first = true;
  for await (const run of runs) {
    if (format === 'csv') chunk += csvRow(run);
    else {
      chunk += `${first ? '\n' : ',\n'}${JSON.stringify(run)}`;
      first = false;
    }
    if (chunk.length >= 64 * 1024) {
      const more = response.write(chunk);
      chunk = '';
      if (!more) await drained(response);
    }
    if (response.destroyed) return;
  }
  response.end(format === 'csv' ? chunk : `${chunk}\n]\n`);
}

function drained(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}
