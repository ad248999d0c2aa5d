import { resolve } from 'node:path';
import { reportSigner } from '../compose/report-signing.js';
import { resolveRun } from '../engine/resolve-run.js';
import { UserError } from '../errors.js';
import { buildDrillReport } from '../reports/drill-report.js';
import { writeReportFiles } from '../reports/write-report.js';
import { loadCatalogueOrExplain, openStoreAndRecover, type CliContext } from './context.js';

/** `firedrill report <run> [--out DIR]`: `<run>.md`, `<run>.json` and its signature `<run>.json.asc`. */
export async function reportCommand(context: CliContext, configPath: string, runId: string, options: { out?: string }): Promise<number> {
  const catalogue = await loadCatalogueOrExplain(context, configPath);
  // Before the store: a signing key that cannot be read is reported without touching anything.
  const signer = await reportSigner(catalogue.config, catalogue.configDir, context.env);
  const opened = await openStoreAndRecover(context, catalogue);
  try {
    const run = await resolveRun(opened.store, runId);
    const scorecard = await opened.store.scorecard(run.id);
    if (!scorecard) throw new UserError(`run ${run.id} is still going: its report is written once it is scored`, `follow it with: firedrill status ${run.id.slice(0, 8)}`);
    const report = buildDrillReport({ runId: run.id, events: await opened.store.events(run.id), scorecard, generatedAt: context.clock.now().at });
    const written = await writeReportFiles(report, resolve(options.out ?? '.'), signer);
    context.out(`${written.markdown}\n${written.json}\n${written.signature}\n`);
    context.err(`signed by ${signer.fingerprint}; check with: gpg --verify ${written.signature} ${written.json} (the key: firedrill signing-key)\n`);
    return 0;
  } finally {
    await opened.close();
  }
}

/** `firedrill signing-key`: the public key that reports are signed with, armoured, for `gpg --import`. */
export async function signingKeyCommand(context: CliContext, configPath: string): Promise<number> {
  const catalogue = await loadCatalogueOrExplain(context, configPath);
  const signer = await reportSigner(catalogue.config, catalogue.configDir, context.env);
  context.out(signer.publicKey.endsWith('\n') ? signer.publicKey : `${signer.publicKey}\n`);
  context.err(`fingerprint ${signer.fingerprint}\n`);
  return 0;
}
