/** Bolt's Socket Mode receiver (with its WebSocket client), loaded only when SLACK_APP_TOKEN asks for Socket Mode. */
import * as socketModeReceiverModule from '@slack/bolt/dist/receivers/SocketModeReceiver.js';
import { commonJsDefault } from './common-js-default.js';

export const SocketModeReceiver = commonJsDefault<typeof import('@slack/bolt/dist/receivers/SocketModeReceiver.js').default>(socketModeReceiverModule);
