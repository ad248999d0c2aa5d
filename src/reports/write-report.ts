import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson } from './canonical-json.js';
import type { DrillReport } from './report-model.js';
import { renderReportMarkdown } from './render-report-markdown.js';

/** What signs a report: a detached, ASCII-armoured OpenPGP signature of the exact bytes given. */
export interface ReportSigner {
  fingerprint: string;
  sign(data: Uint8Array): Promise<string>;
}

export interface WrittenReport {
  markdown: string;
  json: string;
  signature: string;
}

/**
 * Writes `<run>.md`, `<run>.json` and `<run>.json.asc` into `directory`: the signature covers the
 * JSON file's bytes exactly, so `gpg --verify <run>.json.asc <run>.json` checks it as written.
 */
export async function writeReportFiles(report: DrillReport, directory: string, signer: ReportSigner): Promise<WrittenReport> {
  const bytes = Buffer.from(canonicalJson(report), 'utf8');
  const signature = await signer.sign(bytes);
  await mkdir(directory, { recursive: true });
  const base = join(directory, report.run.id);
  const written = { markdown: `${base}.md`, json: `${base}.json`, signature: `${base}.json.asc` };
  await writeFile(written.json, bytes);
  await writeFile(written.signature, signature);
  await writeFile(written.markdown, renderReportMarkdown(report));
  return written;
}
