import type { Config } from '../config/config-schema.js';
import { resolveSecret } from '../catalogue/secrets.js';
import type { ManifestSigner } from '../trust/ports.js';
import { configuredSigner } from '../../adapters/pgp/signing-key.js';
import { manifestSigners } from './trust.js';

/**
 * The bot's key for drill reports: the configured one (`reports.signingKey`), else the key kept in
 * the state directory, which the circle of trust's manifests are signed with too (made on first use).
 * Replicas with their own state directories would each have their own: a deployment of several
 * sets `reports.signingKey`, so that one key signs and /signing-key.asc serves the same key everywhere.
 */
export async function reportSigner(config: Pick<Config, 'reports'>, configDir: string, env: NodeJS.ProcessEnv): Promise<ManifestSigner> {
  const configured = config.reports.signingKey;
  if (configured) return configuredSigner(await resolveSecret(configured, configDir, env), 'reports.signingKey');
  return manifestSigners(env).obtain();
}
