/**
 * The parts of Bolt that firedrill uses, each imported from its own file. Bolt's index also
 * loads its Express and AWS Lambda receivers (express and their dependencies), which firedrill
 * never uses: about 8 MiB of an idle `serve` and 0.1 s of CPU at every start. Bolt has no
 * `exports` map, so these files are reachable; types still come from the index. The build
 * bundles them into the chunk that loads Slack.
 */
import * as appModule from '@slack/bolt/dist/App.js';
import * as httpReceiverModule from '@slack/bolt/dist/receivers/HTTPReceiver.js';
import * as socketModeReceiverModule from '@slack/bolt/dist/receivers/SocketModeReceiver.js';
import { commonJsDefault } from './common-js-default.js';

export const App = commonJsDefault<typeof import('@slack/bolt/dist/App.js').default>(appModule);
export const HTTPReceiver = commonJsDefault<typeof import('@slack/bolt/dist/receivers/HTTPReceiver.js').default>(httpReceiverModule);
/** A function: the bundle loads Socket Mode (and ws) only when it is used (scripts/esbuild-plugins.mjs). */
export const socketModeReceiver = () => commonJsDefault<typeof import('@slack/bolt/dist/receivers/SocketModeReceiver.js').default>(socketModeReceiverModule);
export const LogLevel = appModule.LogLevel;
