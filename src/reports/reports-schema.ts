import { z } from 'zod';

/**
 * `reports:` in the config. Built from config-schema's secret reference (passed in, because
 * importing its value here would make an import cycle), as trust-schema is.
 */
export function reportsSchema<Secret extends z.ZodType>(secret: Secret) {
  return z
    .strictObject({
      signingKey: secret
        .optional()
        .describe(
          'The ASCII-armoured OpenPGP private key (without a passphrase) that signs drill reports and that /signing-key.asc serves, e.g. {env: FIREDRILL_SIGNING_KEY} from a Kubernetes Secret. ' +
            'Default: the key firedrill creates in its state directory, which is one key per replica: set this when several replicas serve',
        ),
    })
    .default({})
    .describe('Drill reports (firedrill report): how they are signed');
}
