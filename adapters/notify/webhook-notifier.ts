import type { RunNotice } from '../../src/notify/notices.js';
import type { Notifier } from '../../src/notify/ports.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookSignature } from '../../src/server/webhook-auth.js';
import { sendJson } from './http-delivery.js';

/**
 * Posts each notice as JSON, signed the way firedrill's own webhooks must be: the receiver
 * checks `X-Firedrill-Signature: v1=<hex HMAC-SHA256 of "v1:<timestamp>:<body>">` with the
 * shared secret and refuses timestamps more than five minutes off. Each try is signed anew.
 */
export function webhookNotifier(name: string, url: string, secret: () => Promise<string>, now: () => number = Date.now): Notifier {
  return {
    name,
    async deliver(notice) {
      const body = JSON.stringify(webhookBody(notice));
      const timestamp = String(Math.floor(now() / 1000));
      const signature = webhookSignature(await secret(), timestamp, body);
      await sendJson(name, 'POST', url, body, {
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: `v1=${signature}`,
        'x-firedrill-event': notice.kind,
      });
    },
  };
}

/** Version 1 of the body: fields are only ever added. */
export function webhookBody(notice: RunNotice) {
  return {
    version: 1,
    event: notice.kind,
    runId: notice.runId,
    drill: notice.drill,
    environment: notice.environment,
    requestedBy: notice.requestedBy,
    at: notice.at,
    text: notice.text,
    ...(notice.kind === 'finished' ? { outcome: notice.outcome, reason: notice.reason ?? null } : {}),
  };
}
