/**
 * The parts of Bolt that firedrill uses, each imported from its own file. Bolt's index also
 * loads its Express and AWS Lambda receivers (express and their dependencies), which firedrill
 * never uses: about 8 MiB of an idle `serve` and 0.1 s of CPU at every start. Bolt has no
 * `exports` map, so these files are reachable; types still come from the index. The build
 * bundles them into the chunk that loads Slack; Socket Mode's receiver has a module (and a
 * chunk) of its own, socket-mode-receiver.ts.
 */
import * as appModule from '@slack/bolt/dist/App.js';
import * as httpReceiverModule from '@slack/bolt/dist/receivers/HTTPReceiver.js';
import { commonJsDefault } from './common-js-default.js';

export const App = commonJsDefault<typeof import('@slack/bolt/dist/App.js').default>(appModule);
export const HTTPReceiver = commonJsDefault<typeof import('@slack/bolt/dist/receivers/HTTPReceiver.js').default>(httpReceiverModule);
export const LogLevel = appModule.LogLevel;
