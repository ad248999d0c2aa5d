import * as z from 'zod';

/** Secrets never sit in the file: they are read from an environment variable or a file. */
export const SecretRef = z.union([
  z.strictObject({ env: z.string().regex(/^[A-Za-z_]\w*$/, 'an environment variable name, e.g. STAGING_DATABASE_URL') }),
  z.strictObject({ file: z.string().min(1).describe('Path relative to the config file') }),
]);
export type SecretRef = z.infer<typeof SecretRef>;

const InlineSecretHint =
  'secrets are not written in the config file: use {env: VARIABLE_NAME} or {file: path/to/secret}';

/** A `SecretRef` in a config section; a secret written inline is refused with the fix. */
export const Secret = z.preprocess((value, context) => {
  if (typeof value === 'string') {
    context.addIssue({ code: 'custom', message: InlineSecretHint });
    return z.NEVER;
  }
  return value;
}, SecretRef);
