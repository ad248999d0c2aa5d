import { readFile } from 'node:fs/promises';
import { manifestSigners, openConfiguredCircle, type OpenedCircle } from '../compose/trust.js';
import { findEvent } from '../engine/events.js';
import { UserError } from '../errors.js';
import { resolveRun } from '../engine/resolve-run.js';
import { fetchChallenge } from '../trust/answer.js';
import { sealFiles } from '../trust/seal.js';
import { verifyCircle } from '../trust/verify.js';
import { loadCatalogueOrExplain, openStoreAndRecover, type CliContext } from './context.js';
import { renderSeal, renderVerify } from './trust-render.js';
import { DEFAULT_PASSPHRASE_ENV, type AnswerOptions } from './trust-options.js';

async function openCircleOf(context: CliContext, configPath: string): Promise<OpenedCircle> {
  const catalogue = await loadCatalogueOrExplain(context, configPath);
  return openConfiguredCircle(catalogue.config.trust, { configPath, configDir: catalogue.configDir, env: context.env });
}

export async function sealCommand(context: CliContext, configPath: string, files: string[]): Promise<number> {
  const opened = await openCircleOf(context, configPath);
  try {
    const result = await sealFiles(opened.circle, manifestSigners(context.env), files, new Date());
    context.out(renderSeal(result, opened.circle));
    return 0;
  } finally {
    opened.close();
  }
}

export async function verifyCommand(context: CliContext, configPath: string, json: boolean): Promise<number> {
  const opened = await openCircleOf(context, configPath);
  try {
    const report = await verifyCircle(opened.circle, manifestSigners(context.env), new Date());
    context.out(json ? `${JSON.stringify(report, null, 2)}\n` : renderVerify(report, opened.circle, configPath));
    return report.ok ? 0 : 1;
  } finally {
    opened.close();
  }
}

export async function answerCommand(context: CliContext, configPath: string, runIdOrPrefix: string, options: AnswerOptions): Promise<number> {
  if (!options.key && !(options.answer && options.as)) {
    throw new UserError('give your private key (--key FILE), or the code you decrypted yourself (--answer CODE --as NAME)');
  }
  const catalogue = await loadCatalogueOrExplain(context, configPath);
  const opened = await openConfiguredCircle(catalogue.config.trust, { configPath, configDir: catalogue.configDir, env: context.env });
  const store = await openStoreAndRecover(context, catalogue).catch((error: unknown) => {
    opened.close();
    throw error;
  });
  try {
    // The run first: nobody should unlock their key for a run that is over.
    const run = await resolveRun(store.store, runIdOrPrefix);
    if (run.finishedAt) throw new UserError(`run ${run.id} is already over (${run.outcome})`);
    const created = findEvent(await store.store.events(run.id), 'run-created');
    if (created?.drill.kind !== 'key-holder-unavailable') {
      throw new UserError(`run ${run.id} is a ${created?.drill.kind ?? 'unknown'} drill: only key-holder drills take answers`);
    }
    let by: string;
    let answer: string;
    let bucket: string | undefined = options.bucket;
    let skipped: string[] = [];
    if (options.key) {
      const key = { armored: await readKeyFile(options.key), passphrase: passphraseFrom(context.env, options.passphraseEnv) };
      const fetched = await fetchChallenge(opened.circle, run.id, key, options.bucket);
      ({ code: answer, bucket, skipped } = fetched);
      by = fetched.holder.name;
    } else {
      by = options.as!;
      answer = options.answer!;
    }
    if (bucket) await store.store.append(run.id, { type: 'measured', name: `bucket used by ${by}`, value: bucket }, context.clock.now());
    await store.store.append(run.id, { type: 'answer-submitted', by, answer }, context.clock.now());
    const via = bucket ? ` (challenge fetched from bucket ${bucket}${skipped.length ? `; skipped ${skipped.join('; ')}` : ''})` : '';
    context.err(`answer from ${by} sent for run ${run.id}${via}\n`);
    return 0;
  } finally {
    await store.close();
    opened.close();
  }
}

async function readKeyFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read --key ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`, 'export your key with: gpg --armor --export-secret-keys YOUR-FINGERPRINT > key.asc');
  }
}

/** Read once from the environment; never echoed back, even in errors. */
function passphraseFrom(env: NodeJS.ProcessEnv, name: string | undefined): string | undefined {
  const variable = name ?? DEFAULT_PASSPHRASE_ENV;
  const value = env[variable];
  if (name !== undefined && (value === undefined || value === '')) {
    throw new UserError(`--passphrase-env ${name}: the environment variable ${name} is not set`, `export ${name} first (read it with: read -rs ${name} && export ${name})`);
  }
  return value === '' ? undefined : value;
}
