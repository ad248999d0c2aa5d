import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger as BoltLogger, Receiver, webApi } from '@slack/bolt';
import { HTTPReceiver } from './bolt-parts.js';
import { UserError } from '../../src/errors.js';
import { SLACK_EVENTS_PATH, type SlackEnv } from './slack-env.js';

export { SLACK_EVENTS_PATH };

/** How Slack's events reach Bolt: signed HTTP requests at `/slack/events`, or a Socket Mode WebSocket. */
export interface SlackTransport {
  mode: 'http' | 'socket';
  receiver: Receiver;
  /** HTTP mode only: serves `/slack/events` inside another node:http server. */
  requestListener?: (request: IncomingMessage, response: ServerResponse) => void;
  /** Listens (HTTP mode with `listen`) or connects (Socket Mode); the URL it listens on, if any. */
  start(): Promise<string | undefined>;
  stop(): Promise<void>;
}

export interface SlackTransportOptions {
  env: SlackEnv;
  logger: BoltLogger;
  listen?: { port: number; host: string } | undefined;
}

export async function slackTransport({ env, logger, listen }: SlackTransportOptions): Promise<SlackTransport> {
  return env.appToken !== undefined ? socketTransport(env.appToken, env.apiUrl, logger) : httpTransport(env.signingSecret, logger, listen);
}

function httpTransport(signingSecret: string, logger: BoltLogger, listen: SlackTransportOptions['listen']): SlackTransport {
  const receiver = new HTTPReceiver({ signingSecret, endpoints: SLACK_EVENTS_PATH, logger });
  return {
    mode: 'http',
    receiver,
    requestListener: (request, response) => receiver.requestListener(request, response),
    async start() {
      if (!listen) return undefined;
      const server = await receiver.start({ port: listen.port, host: listen.host });
      const { port } = server.address() as AddressInfo;
      return `http://${listen.host}:${port}`;
    },
    async stop() {
      if (listen) await receiver.stop();
    },
  };
}

/** Errors of `apps.connections.open` that mean the app token is wrong, not that Slack is away. */
const REFUSED = new Set(['not_authed', 'invalid_auth', 'account_inactive', 'token_revoked', 'not_allowed_token_type', 'team_disabled']);

async function socketTransport(appToken: string, apiUrl: string | undefined, logger: BoltLogger): Promise<SlackTransport> {
  const { SocketModeReceiver } = await import('./socket-mode-receiver.js');
  // The Socket Mode client asks the Web API (apps.connections.open) for its WebSocket URL.
  const receiver = new SocketModeReceiver({ appToken, logger, installerOptions: { clientOptions: apiUrl ? { slackApiUrl: apiUrl } : {} } });
  const { client } = receiver;
  return {
    mode: 'socket',
    receiver,
    async start() {
      try {
        await receiver.start();
      } catch (error) {
        const code = isPlatformError(error) ? error.data.error : undefined;
        if (code && REFUSED.has(code)) throw new UserError(`Slack refused SLACK_APP_TOKEN (${code})`, APP_TOKEN_HINT);
        throw error;
      }
      return undefined;
    },
    async stop() {
      // Bolt's stop() sends the close frame without waiting; wait until the socket is closed for good.
      const disconnected = new Promise<void>((resolve) => client.once('disconnected', () => resolve()));
      await receiver.stop();
      await disconnected;
    },
  };
}

const APP_TOKEN_HINT = 'check SLACK_APP_TOKEN: an app-level token of this app with the connections:write scope, and Socket Mode turned on';

/** The Web API client's `ErrorCode.PlatformError`, written out: its module is only reachable through Bolt's index. */
const PLATFORM_ERROR = 'slack_webapi_platform_error';

function isPlatformError(error: unknown): error is webApi.WebAPIPlatformError {
  return error instanceof Error && (error as { code?: unknown }).code === PLATFORM_ERROR;
}
