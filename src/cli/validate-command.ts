import { validateFiles } from '../catalogue/load.js';
import { formatProblem } from '../catalogue/problems.js';
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

export async function validateCommand(context: CliContext, files: string[]): Promise<number> {
  const problems = await validateFiles(files);
  for (const problem of problems) context.out(`${formatProblem(problem)}\n`);
  if (problems.length === 0) context.err(`${files.join(', ')}: no problems\n`);
  else context.err(`${problems.length} problem(s)\n`);
  return problems.length === 0 ? 0 : 1;
}
