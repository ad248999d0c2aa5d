import path from 'node:path';

/**
 * A file a command needs at run time: the program it starts (a path, or a name looked up
 * in PATH) or the script an interpreter is given (`sh ./inject.sh`).
 */
export interface CommandNeed {
  kind: 'program' | 'script';
  /** As written in the command. */
  word: string;
  /** The folder the command runs in: relative paths start there. */
  cwd: string;
  /** Where the config or drill names it, e.g. `drill flags-off target.inject`. */
  settings: string[];
}

/** Builtins and keywords of /bin/sh: nothing to find on disk. */
const SHELL_WORDS = new Set([
  '!', '.', ':', '[', '[[', '{', '}', 'alias', 'break', 'case', 'cd', 'command', 'continue', 'do', 'done', 'echo', 'elif', 'else',
  'esac', 'eval', 'exec', 'exit', 'export', 'false', 'fi', 'for', 'function', 'getopts', 'hash', 'if', 'kill', 'local', 'printf',
  'pwd', 'read', 'readonly', 'return', 'set', 'shift', 'test', 'then', 'time', 'times', 'trap', 'true', 'type', 'ulimit', 'umask',
  'unalias', 'unset', 'until', 'wait', 'while',
]);

/** Programs whose first operand is a script file that must be there. */
const INTERPRETERS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'node', 'python', 'python3', 'ruby', 'perl', 'pwsh']);

/** A word the shell passes on as written: no quotes, variables, globs, redirections or subshells. */
const PLAIN_WORD = /^[\w@%+=:,./-]+$/;
const ASSIGNMENT = /^[A-Za-z_]\w*=/;

/**
 * The files a shell command needs, as far as can be told without running it: its first
 * word (after `NAME=value` assignments) unless it is a shell builtin, and the script of an
 * interpreter. Words the shell would expand (`$X`, quotes, globs) are not guessed at.
 */
export function commandNeeds(command: string, cwd: string, setting: string): CommandNeed[] {
  const words = command.trim().split(/\s+/);
  let index = 0;
  while (index < words.length && ASSIGNMENT.test(words[index]!) && PLAIN_WORD.test(words[index]!)) index++;
  const program = words[index];
  if (program === undefined || !PLAIN_WORD.test(program) || SHELL_WORDS.has(program)) return [];
  const needs: CommandNeed[] = [{ kind: 'program', word: program, cwd, settings: [setting] }];
  if (INTERPRETERS.has(path.basename(program))) {
    const operand = words.slice(index + 1).find((word) => !word.startsWith('-'));
    if (operand !== undefined && PLAIN_WORD.test(operand) && (operand.includes('/') || /\.\w+$/.test(operand))) {
      needs.push({ kind: 'script', word: operand, cwd, settings: [setting] });
    }
  }
  return needs;
}

/** Where a program is looked for: a word with a slash is a path from `cwd`; others are searched in PATH. */
export function programCandidates(need: CommandNeed, pathVariable: string | undefined): string[] {
  if (need.word.includes('/') || need.kind === 'script') return [path.resolve(need.cwd, need.word)];
  return (pathVariable ?? '')
    .split(':')
    .filter((dir) => dir !== '')
    .map((dir) => path.resolve(need.cwd, dir, need.word));
}
