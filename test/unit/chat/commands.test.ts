import { describe, expect, it } from 'vitest';
import { parseCommand, USAGE_LINE } from '../../../src/chat/commands.js';

describe('the chat command grammar', () => {
  it.each([
    ['help', { kind: 'help' }],
    ['  LIST ', { kind: 'list' }],
    ['plan drop-orders-table', { kind: 'plan', drill: 'drop-orders-table', environment: undefined }],
    ['run drop-orders-table staging', { kind: 'run', drill: 'drop-orders-table', environment: 'staging' }],
    ['random', { kind: 'random', environment: undefined }],
    ['random staging', { kind: 'random', environment: 'staging' }],
    ['status', { kind: 'status' }],
    ['detected', { kind: 'detected', run: undefined }],
    ['recovered 1fd438f7', { kind: 'recovered', run: '1fd438f7' }],
    ['abort 1fd4', { kind: 'abort', run: '1fd4' }],
    ['approve 1fd4', { kind: 'approve', run: '1fd4' }],
    ['scorecard', { kind: 'scorecard', run: undefined }],
    ['history', { kind: 'history', filter: undefined, limit: 10 }],
    ['history 5', { kind: 'history', filter: undefined, limit: 5 }],
    ['history staging', { kind: 'history', filter: 'staging', limit: 10 }],
    ['history drop-orders-table 3', { kind: 'history', filter: 'drop-orders-table', limit: 3 }],
  ])('reads %j', (text, command) => {
    expect(parseCommand(text)).toEqual({ ok: true, command });
  });

  it.each([
    ['', 'say what to do', USAGE_LINE],
    ['stauts', 'unknown command "stauts"; did you mean "status"?', USAGE_LINE],
    ['deploy prod', 'unknown command "deploy"', USAGE_LINE],
    ['run', 'run needs an argument', 'usage: run <drill> [env]'],
    ['approve', 'approve needs an argument', 'usage: approve <run>'],
    ['run a b c', 'run takes at most 2 arguments; got 3', 'usage: run <drill> [env]'],
    ['status now', 'status takes at most 0 arguments; got 1', 'usage: status'],
    ['history staging many', 'history: "many" is not a number of runs', 'usage: history [drill|env] [n]'],
    ['history 0', 'history: the number of runs must be 1 to 50', 'usage: history [drill|env] [n]'],
    ['history 5 staging', 'history: "staging" is not a number of runs', 'usage: history [drill|env] [n]'],
  ])('answers %j with a specific error and the usage', (text, error, usage) => {
    expect(parseCommand(text)).toEqual({ ok: false, error, usage });
  });
});
