import type { NotifyChannel } from '../notify/notify-schema.js';
import { resolveSecret } from '../catalogue/secrets.js';
import type { Logger } from '../log.js';
import { NotificationDispatcher, type Channel, type DeliveryFailure, type DeliveryPolicy } from '../notify/dispatcher.js';
import type { Notifier } from '../notify/ports.js';
import { grafanaNotifier } from '../../adapters/notify/grafana-notifier.js';
import { lazySecret } from '../../adapters/notify/http-delivery.js';
import { opsgenieNotifier } from '../../adapters/notify/opsgenie-notifier.js';
import { pagerDutyNotifier } from '../../adapters/notify/pagerduty-notifier.js';
import { webhookNotifier } from '../../adapters/notify/webhook-notifier.js';

export interface NotifyOptions {
  configDir: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  policy?: DeliveryPolicy;
}

/** The config's `notify:` channels behind one dispatcher. */
export function notificationDispatcher(channels: readonly NotifyChannel[], options: NotifyOptions): NotificationDispatcher {
  const built: Channel[] = channels.map((channel) => ({
    notifier: notifierFor(channel, options),
    environments: channel.environments,
    events: channel.kind === 'webhook' ? channel.events : undefined,
  }));
  // Fixed message, details as fields; the logger masks any secret value it knows.
  const onFailure = (failure: DeliveryFailure) => options.log.warn({ notify: failure }, 'notification not delivered');
  return new NotificationDispatcher(built, onFailure, options.policy);
}

function notifierFor(channel: NotifyChannel, options: NotifyOptions): Notifier {
  const name = channel.name ?? channel.kind;
  const secret = (ref: Parameters<typeof resolveSecret>[0]) => lazySecret(() => resolveSecret(ref, options.configDir, options.env));
  switch (channel.kind) {
    case 'webhook':
      return webhookNotifier(name, channel.url, secret(channel.secret));
    case 'grafana':
      return grafanaNotifier(name, { url: channel.url, token: secret(channel.token), dashboardUid: channel.dashboardUid, tags: channel.tags });
    case 'pagerduty':
      return pagerDutyNotifier(name, { url: channel.url, routingKey: secret(channel.routingKey), severity: channel.severity });
    case 'opsgenie':
      return opsgenieNotifier(name, { url: channel.url, apiKey: secret(channel.apiKey), priority: channel.priority });
  }
}
