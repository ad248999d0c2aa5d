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
    ['learned 1fd4 the flag   service has no alert', { kind: 'learned', run: '1fd4', text: 'the flag service has no alert' }],
    ['action 1fd4 add an alert', { kind: 'action', run: '1fd4', text: 'add an alert', owner: undefined, due: undefined }],
    ['action 1fd4 add an alert @alice due 2026-12-31', { kind: 'action', run: '1fd4', text: 'add an alert', owner: '@alice', due: '2026-12-31' }],
    ['action 1fd4 add an alert DUE 2026-12-31 <@U123|bob>', { kind: 'action', run: '1fd4', text: 'add an alert', owner: '<@U123|bob>', due: '2026-12-31' }],
    ['action 1fd4 ask @carol about it', { kind: 'action', run: '1fd4', text: 'ask @carol about it', owner: undefined, due: undefined }],
    ['action 1fd4 restore is due tomorrow', { kind: 'action', run: '1fd4', text: 'restore is', owner: undefined, due: 'tomorrow' }],
    ['done K7M2Q', { kind: 'done', action: 'K7M2Q' }],
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
    ['learned 1fd4', 'learned needs 2 arguments', 'usage: learned <run> <text>'],
    ['action 1fd4 @alice due 2026-12-31', 'action: say what is to be done', 'usage: action <run> <text> [@owner] [due YYYY-MM-DD]'],
    ['done', 'done needs an argument', 'usage: done <action>'],
    ['done a b', 'done takes at most 1 argument; got 2', 'usage: done <action>'],
  ])('answers %j with a specific error and the usage', (text, error, usage) => {
    expect(parseCommand(text)).toEqual({ ok: false, error, usage });
  });
});
