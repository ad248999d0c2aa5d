import { digestMessage } from '../chat/digest-message.js';
import { plainText } from '../chat/message.js';
import { ownValue } from '../catalogue/own.js';
import { digestSources } from '../compose/digest-sources.js';
import { openStore } from '../compose/index.js';
import { buildDigest } from '../digest/digest.js';
import { UserError } from '../errors.js';
import { loadCatalogueOrExplain, type CliContext } from './context.js';

/** `firedrill digest`: the weekly digest as `serve` posts it, printed (or as JSON) for the period asked. */
export async function digestCommand(
  context: CliContext,
  configPath: string,
  options: { env?: string[]; since?: Date; json?: boolean },
): Promise<number> {
  const catalogue = await loadCatalogueOrExplain(context, configPath);
  for (const name of options.env ?? []) {
    if (!ownValue(catalogue.config.environments, name)) {
      throw new UserError(`unknown environment "${name}"`, `environments in ${catalogue.configPath}: ${Object.keys(catalogue.config.environments).join(', ')}`);
    }
  }
  const to = new Date(context.clock.now().at);
  if (options.since && options.since.getTime() >= to.getTime()) throw new UserError('--since is not in the past', 'give the start of the period, e.g. --since 2026-11-23T09:00:00Z');
  // Read only: a digest neither recovers nor changes a run, so the store is opened as serve opens it.
  const opened = await openStore(catalogue.config.store.url, { configDir: catalogue.configDir, env: context.env, configPath: catalogue.configPath });
  try {
    const digest = await buildDigest(digestSources(catalogue, opened), {
      to,
      ...(options.since ? { from: options.since } : {}),
      ...(options.env?.length ? { environments: options.env } : {}),
      ...(catalogue.config.server.publicUrl ? { publicUrl: catalogue.config.server.publicUrl } : {}),
    });
    context.out(options.json ? `${JSON.stringify(digest, null, 2)}\n` : `${plainText(digestMessage(digest))}\n`);
    return 0;
  } finally {
    await opened.close();
  }
}
