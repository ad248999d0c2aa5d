/**
 * Bolt's Socket Mode receiver, with @slack/socket-mode and ws, in a module of its own that the
 * Slack transport imports only when SLACK_APP_TOKEN is set: the bundle puts it in a chunk of
 * its own, so a `serve` over HTTP neither loads nor parses it. Bolt's App requires it too, for
 * an option firedrill does not set; the bundle gives App a stand-in (scripts/esbuild-plugins.mjs).
 */
import * as socketModeReceiverModule from '@slack/bolt/dist/receivers/SocketModeReceiver.js';
import { commonJsDefault } from './common-js-default.js';

export const SocketModeReceiver = commonJsDefault<typeof import('@slack/bolt/dist/receivers/SocketModeReceiver.js').default>(socketModeReceiverModule);
