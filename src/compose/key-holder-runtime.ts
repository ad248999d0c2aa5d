import * as z from 'zod';
import { errorText } from '../trust/circle.js';
import { DELETE_CHALLENGE, keyHolderDrill, type DeleteChallengeParams } from '../trust/key-holder-drill.js';
import { drillShell } from './command-shell.js';
import { drillProbes } from './probes.js';
import type { KindRuntime } from './kind-runtime.js';
import { openConfiguredCircle } from './trust.js';
import { s3ClientFor, S3ObjectStore } from '../../adapters/s3/s3-object-store.js';
import { parseUndoParams } from './undo-params.js';

/** The key-holder-unavailable drill: the circle of trust from the config, openpgp and S3. */
const DeleteChallengeParamsSchema = z.object({
  key: z.string().min(1),
  buckets: z.array(z.looseObject({ name: z.string(), bucket: z.string(), prefix: z.string() })),
}) as unknown as z.ZodType<DeleteChallengeParams>;

export const keyHolderRuntime: KindRuntime<'key-holder-unavailable'> = {
  async build(drill, context) {
    const { runId, options } = context;
    const opened = await openConfiguredCircle(options.trust, {
      configPath: options.configPath ?? 'the config file',
      configDir: options.configDir,
      env: options.env,
    });
    try {
      const core = keyHolderDrill(opened.circle, runId, drill.target, () => new Date());
      // The drill's own probes still run: they show that nothing else was touched.
      const own = drillProbes(drill, { shell: drillShell(drill.id, context) });
      return {
        fault: core.fault,
        steadyState: [core.access, ...own.steadyState],
        verify: [core.quorum, ...own.verify],
        guards: own.guards,
        onEvent: core.onEvent,
        notResumable: 'its challenge code is known only to the process that sealed it (never journaled), so no other process can check the answers',
        close: async () => opened.close(),
      };
    } catch (error) {
      opened.close();
      throw error;
    }
  },

  undo: {
    /**
     * Deleting a missing object succeeds in S3, so this is idempotent. A bucket that cannot
     * be reached is reported, not retried forever: what is left there is an encrypted
     * challenge for a finished run, which no later run reads.
     */
    async [DELETE_CHALLENGE](params, { options }) {
      const { key, buckets } = parseUndoParams(DeleteChallengeParamsSchema, params, DELETE_CHALLENGE, 'delete the challenge object from the trust buckets');
      const deleted: string[] = [];
      const left: string[] = [];
      for (const bucket of buckets) {
        const client = s3ClientFor(bucket, options.env);
        const store = new S3ObjectStore(client, bucket.bucket, bucket.prefix);
        try {
          await store.delete(key);
          deleted.push(bucket.name);
        } catch (error) {
          left.push(`${store.location}${key} (${errorText(error)}; delete it when the bucket is back)`);
        } finally {
          client.destroy();
        }
      }
      return [deleted.length ? `deleted from ${deleted.join(', ')}` : '', left.length ? `LEFT in ${left.join(', ')}` : '']
        .filter(Boolean)
        .join('; ');
    },
  },
};
