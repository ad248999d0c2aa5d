import { validateFiles } from '../catalogue/load.js';
import { formatProblem, isError } from '../catalogue/problems.js';
import { UserError } from '../errors.js';
import type { CliContext } from './cli-context.js';

/** `firedrill validate [files...] [--live [--env NAME]]`: offline by default, and then it loads no SDK. */
export async function validateAction(context: CliContext, files: string[], options: { live?: boolean; env?: string }, configPath: () => string): Promise<number> {
  if (!options.live) {
    if (options.env !== undefined) throw new UserError('--env goes with --live', `run: firedrill validate --live --env ${options.env}`);
    return validateCommand(context, files.length ? files : [configPath()]);
  }
  if (files.length > 1) throw new UserError('--live checks one config file', 'give one config file, or none for the default');
  const { liveCheckCommand } = await import('./live-check-command.js');
  return liveCheckCommand(context, files[0] ?? configPath(), options.env);
}

/** Warnings (valid, but it will not measure what the drill means to) are printed and never fail validation. */
export async function validateCommand(context: CliContext, files: string[]): Promise<number> {
  const found = await validateFiles(files);
  for (const problem of found) context.out(`${formatProblem(problem)}\n`);
  const errors = found.filter(isError).length;
  const warnings = found.length - errors;
  const andWarnings = warnings > 0 ? `, ${warnings} warning(s)` : '';
  if (errors === 0) context.err(`${files.join(', ')}: no problems${andWarnings}\n`);
  else context.err(`${errors} problem(s)${andWarnings}\n`);
  return errors === 0 ? 0 : 1;
}
