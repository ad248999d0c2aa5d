import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { SecretRef } from './secret-ref.js';
import { ownValue } from './own.js';
import { secrets } from '../secrets/redactor.js';

/**
 * Reads a secret named in the config, from an environment variable or from a file (path
 * relative to the config's folder, content trimmed so a trailing newline from `echo > file`
 * does not end up in a password). Errors name where we looked, never a value.
 * The process's redactor learns the value, so it is masked wherever it might show up.
 */
export async function resolveSecret(ref: SecretRef, configDir: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if ('env' in ref) {
    const value = ownValue(env, ref.env);
    if (value === undefined || value === '') {
      throw new UserError(`environment variable ${ref.env} is not set`, `set it (export ${ref.env}=...) or point the config at a file with {file: path}`);
    }
    secrets.add(value);
    return value;
  }
  const file = path.resolve(configDir, ref.file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UserError(`secret file ${ref.file} cannot be read (${code}, looked at ${file})`, 'create it, or point the config at an environment variable with {env: NAME}');
  }
  const value = text.trim();
  if (value === '') throw new UserError(`secret file ${ref.file} is empty (looked at ${file})`);
  secrets.add(value);
  return value;
}
