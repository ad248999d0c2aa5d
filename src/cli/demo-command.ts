import { builtInDrillsDir, listYamlFiles } from '../catalogue/catalogue-files.js';
import { readDrillFile } from '../catalogue/drill-file.js';
import type { Drill } from '../catalogue/drill-schema.js';
import { formatProblem } from '../catalogue/problems.js';
import { closestName } from '../catalogue/suggest.js';
import { openStore } from '../compose/index.js';
import { abandonRun } from '../engine/recover.js';
import { UserError } from '../errors.js';
import { runDemo } from '../sandbox/demo.js';
import { SANDBOX_ENVIRONMENT } from '../sandbox/sandbox.js';
import type { CliContext } from './context.js';
import { liveProgress } from './live-progress.js';
import { renderScorecard, type ScorecardFormat } from '../scoring/render-scorecard.js';
import { exitCodeFor } from './run-commands.js';

export async function demoCommand(context: CliContext, options: { drill: string; format: ScorecardFormat; interrupt: AbortSignal }): Promise<number> {
  const drill = await builtInDrill(options.drill);
  if (drill.kind !== 'drop-table') throw new UserError(`the demo sandbox runs drop-table drills; ${drill.id} is ${drill.kind}`);
  const quiet = options.format === 'json';
  const opened = await openStore(undefined, { configDir: process.cwd(), env: context.env });
  try {
    // A demo killed mid-run took its sandbox with it: nothing is left to undo.
    for (const run of await opened.store.active(SANDBOX_ENVIRONMENT)) {
      await abandonRun(opened.store, context.clock, run.id, 'the demo sandbox it ran in is gone (the demo was interrupted)');
    }
    const progress = liveProgress(context.err);
    const result = await runDemo({
      drill,
      store: opened.store,
      clock: context.clock,
      log: context.log,
      interrupt: options.interrupt,
      onStage: quiet ? undefined : (text) => context.err(`-- ${text}\n`),
      onEvent: quiet ? undefined : progress,
    });
    if (!quiet) context.err('\n');
    context.out(renderScorecard(result.scorecard, options.format));
    if (!quiet) context.err(`\nstored in ${opened.location}; list with: npx firedrill scorecards\n`);
    return exitCodeFor(result.scorecard);
  } finally {
    await opened.close();
  }
}

async function builtInDrill(id: string): Promise<Drill> {
  const ids: string[] = [];
  for (const file of await listYamlFiles(builtInDrillsDir())) {
    const result = await readDrillFile(file);
    if (!result.ok) throw new UserError(`the built-in drill ${file} is invalid:\n${result.problems.map(formatProblem).join('\n')}`);
    if (result.loaded.drill.id === id) return result.loaded.drill;
    ids.push(result.loaded.drill.id);
  }
  const guess = closestName(id, ids);
  throw new UserError(`no built-in drill "${id}"${guess ? `; did you mean "${guess}"?` : ''}`, `built-in drills: ${ids.join(', ')}`);
}
