/**
 * The parts of Bolt that firedrill uses, each loaded from its own file. Bolt's index also
 * loads its Express and AWS Lambda receivers (express and their dependencies), which firedrill
 * never uses: about 8 MiB of an idle `serve` and 0.1 s of CPU at every start. Bolt has no
 * `exports` map, so these files are reachable; types still come from the index. `require`
 * returns each file's `module.exports` alike under Node and under the test runner's loader.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const appModule = require('@slack/bolt/dist/App.js') as typeof import('@slack/bolt/dist/App.js');
const httpReceiverModule = require('@slack/bolt/dist/receivers/HTTPReceiver.js') as typeof import('@slack/bolt/dist/receivers/HTTPReceiver.js');
const socketModeReceiverModule = require('@slack/bolt/dist/receivers/SocketModeReceiver.js') as typeof import('@slack/bolt/dist/receivers/SocketModeReceiver.js');

export const App = appModule.default;
export const HTTPReceiver = httpReceiverModule.default;
export const SocketModeReceiver = socketModeReceiverModule.default;
export const LogLevel = appModule.LogLevel;
