import { didYouMean } from '../catalogue/suggest.js';

/** One chat command, the same words on every platform (Slack `/drill`, Matrix `!drill`, console). */
export type ChatCommand =
  | { kind: 'help' }
  | { kind: 'list' }
  | { kind: 'plan'; drill: string; environment?: string }
  | { kind: 'run'; drill: string; environment?: string }
  | { kind: 'random'; environment?: string }
  | { kind: 'status' }
  | { kind: 'detected'; run?: string }
  | { kind: 'recovered'; run?: string }
  | { kind: 'abort'; run?: string }
  | { kind: 'approve'; run: string }
  | { kind: 'scorecard'; run?: string }
  | { kind: 'history'; filter?: string; limit: number }
  | { kind: 'postpone'; schedule: string }
  | { kind: 'incident'; action: 'open' | 'close' | 'status'; reason?: string }
  | { kind: 'learned'; run: string; text: string }
  | { kind: 'action'; run: string; text: string; owner?: string; due?: string }
  | { kind: 'done'; action: string };

export type CommandKind = ChatCommand['kind'];

export type ParsedCommand = { ok: true; command: ChatCommand } | { ok: false; error: string; usage: string };

/** Usage of each command, in the order `help` lists them. */
export const USAGE: Record<CommandKind, string> = {
  help: 'help',
  list: 'list',
  plan: 'plan <drill> [env]',
  run: 'run <drill> [env]',
  random: 'random [env]',
  status: 'status',
  detected: 'detected [run]',
  recovered: 'recovered [run]',
  abort: 'abort [run]',
  approve: 'approve <run>',
  scorecard: 'scorecard [run]',
  history: 'history [drill|env] [n]',
  postpone: 'postpone <schedule>',
  incident: 'incident open [reason] | incident close | incident status',
  learned: 'learned <run> <text>',
  action: 'action <run> <text> [@owner] [due YYYY-MM-DD]',
  done: 'done <action>',
};

export const USAGE_LINE = `usage: ${Object.values(USAGE).join(' | ')}`;

const HISTORY_DEFAULT = 10;
const HISTORY_MAX = 50;

/** Reads a command from what the person typed (the platform prefix already removed). */
export function parseCommand(text: string): ParsedCommand {
  const [word = '', ...args] = text.trim().split(/\s+/).filter(Boolean);
  const name = word.toLowerCase();
  if (name === '') return fail('say what to do', USAGE_LINE);
  if (!Object.hasOwn(USAGE, name)) {
    const guess = didYouMean(name, Object.keys(USAGE));
    return fail(`unknown command "${word}"${guess ? `; ${guess}` : ''}`, USAGE_LINE);
  }
  const kind = name as CommandKind;
  const usage = `usage: ${USAGE[kind]}`;
  const arity = (min: number, max: number): string | undefined => {
    if (args.length < min) return `${kind} needs ${min === 1 ? 'an argument' : `${min} arguments`}`;
    if (args.length > max) return `${kind} takes at most ${max} argument${max === 1 ? '' : 's'}; got ${args.length}`;
    return undefined;
  };
  const [first, second] = args;
  const arityError = {
    help: arity(0, 0), list: arity(0, 0), status: arity(0, 0),
    plan: arity(1, 2), run: arity(1, 2), random: arity(0, 1),
    detected: arity(0, 1), recovered: arity(0, 1), abort: arity(0, 1), scorecard: arity(0, 1),
    approve: arity(1, 1), history: arity(0, 2), postpone: arity(1, 1),
    incident: arity(1, Number.POSITIVE_INFINITY),
    learned: arity(2, Number.POSITIVE_INFINITY), action: arity(2, Number.POSITIVE_INFINITY), done: arity(1, 1),
  }[kind];
  if (arityError) return fail(arityError, usage);
  switch (kind) {
    case 'help':
    case 'list':
    case 'status':
      return ok({ kind });
    case 'plan':
    case 'run':
      return ok({ kind, drill: first!, environment: second });
    case 'random':
      return ok({ kind, environment: first });
    case 'detected':
    case 'recovered':
    case 'abort':
    case 'scorecard':
      return ok({ kind, run: first });
    case 'approve':
      return ok({ kind, run: first! });
    case 'history':
      return parseHistory(args, usage);
    case 'postpone':
      return ok({ kind, schedule: first! });
    case 'incident': {
      const action = first!.toLowerCase();
      if (action !== 'open' && action !== 'close' && action !== 'status') return fail(`incident: "${first}" is not open, close or status`, usage);
      if (action !== 'open' && args.length > 1) return fail(`incident ${action} takes no reason`, usage);
      return ok({ kind, action, reason: args.slice(1).join(' ') || undefined });
    }
    case 'learned':
      return ok({ kind, run: first!, text: args.slice(1).join(' ') });
    case 'action':
      return parseAction(first!, args.slice(1), usage);
    case 'done':
      return ok({ kind, action: first! });
  }
}

/**
 * `action <run> <text> [@owner] [due <date>]`: the owner and the due date are read from the end,
 * in either order; the core checks them (an @mention, a YYYY-MM-DD date).
 */
function parseAction(run: string, words: string[], usage: string): ParsedCommand {
  const rest = [...words];
  let owner: string | undefined;
  let due: string | undefined;
  for (let taken = 0; taken < 2; taken++) {
    if (due === undefined && rest.length >= 2 && rest.at(-2)!.toLowerCase() === 'due') {
      due = rest.pop();
      rest.pop();
    } else if (owner === undefined && rest.length >= 1 && /^<?@/.test(rest.at(-1)!)) {
      owner = rest.pop();
    }
  }
  if (rest.length === 0) return fail('action: say what is to be done', usage);
  return ok({ kind: 'action', run, text: rest.join(' '), owner, due });
}

/** `history`, `history 5`, `history staging`, `history drop-orders-table 5`. */
function parseHistory(args: string[], usage: string): ParsedCommand {
  const [first, second] = args;
  const isCount = (text: string | undefined) => text !== undefined && /^\d+$/.test(text);
  if (second !== undefined && !isCount(second)) return fail(`history: "${second}" is not a number of runs`, usage);
  if (first !== undefined && isCount(first) && second !== undefined) return fail('history: give the drill or environment first, then the number', usage);
  const countText = isCount(first) ? first : second;
  const limit = countText === undefined ? HISTORY_DEFAULT : Number(countText);
  if (limit < 1 || limit > HISTORY_MAX) return fail(`history: the number of runs must be 1 to ${HISTORY_MAX}`, usage);
  return ok({ kind: 'history', filter: isCount(first) ? undefined : first, limit });
}

function ok(command: ChatCommand): ParsedCommand {
  return { ok: true, command };
}

function fail(error: string, usage: string): ParsedCommand {
  return { ok: false, error, usage };
}
