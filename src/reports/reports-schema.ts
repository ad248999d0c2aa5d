import * as z from 'zod';
import { Secret } from '../catalogue/secret-ref.js';

/** `reports:` in the config: how drill reports are signed. */
export const ReportsSection = z
  .strictObject({
    signingKey: Secret.optional().describe(
      'The ASCII-armoured OpenPGP private key (without a passphrase) that signs drill reports and that /signing-key.asc serves, e.g. {env: FIREDRILL_SIGNING_KEY} from a Kubernetes Secret. ' +
        'Default: the key firedrill creates in its state directory, which is one key per replica: set this when several replicas serve',
    ),
  })
  .default({})
  .describe('Drill reports (firedrill report): how they are signed');
