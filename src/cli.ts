#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { defaultConfigPath } from './catalogue/catalogue-files.js';
import { defaultContext, type CliContext } from './cli/cli-context.js';
import { cliActor } from './cli/identity.js';
import { addBackupCommands } from './cli/backup-program.js';
import { parseIsoTime } from './cli/iso-time.js';
import { statedArrival } from './engine/arrival.js';
import { processStart } from './cli/process-start.js';
import { isUserError, reportInternalError } from './errors.js';
import { formatFrom } from './cli/scorecard-format.js';
import { addTrustCommands } from './cli/trust-program.js';
import { packageVersion } from './package-version.js';

// Each command loads its module (and through it the SDKs it uses) when it runs, so that
// `--help` and `validate` start fast and `serve` holds only what it is configured for.
const commands = {
  catalogue: () => import('./cli/catalogue-commands.js'),
  validate: () => import('./cli/validate-command.js'),
  demo: () => import('./cli/demo-command.js'),
  runs: () => import('./cli/run-commands.js'),
  schedules: () => import('./cli/schedule-commands.js'),
  status: () => import('./cli/status-command.js'),
  serve: () => import('./cli/serve-command.js'),
  chat: () => import('./cli/chat-command.js'),
  digest: () => import('./cli/digest-command.js'),
  followUps: () => import('./cli/follow-up-commands.js'),
  reports: () => import('./cli/report-commands.js'),
};

/** The default of `demo --drill`: a built-in drop-table drill. */
const DEMO_DRILL = 'drop-orders-table';

/** Builds the program; `main` runs it. Separate so tests can drive the same commands. */
export function buildProgram(context: CliContext, interrupt: AbortSignal, setExitCode: (code: number) => void): Command {
  const program = new Command('firedrill')
    .description('Disaster-recovery fire drills: inject a disaster into staging, time detection and recovery, score it.')
    .option('-c, --config <file>', 'config file (default: firedrill.yaml, else drills.example.yaml)')
    .version(packageVersion(), '-V, --version', "print firedrill's version")
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(run with --help for usage)');
  const configPath = () => (program.opts().config as string | undefined) ?? defaultConfigPath();
  // Who acts is the operating-system user (or FIREDRILL_USER); `--as` only labels it.
  const actor = (as: string | undefined) => cliActor(context.env, as);
  const done = (code: number) => setExitCode(code);

  program
    .command('validate [files...]')
    .description('check the config and its drills (or the given config or drill files); one FILE:LINE:COL line per problem')
    .option('--live', 'also check what only the live environments can tell (secrets set, database and tables, cluster, backups, trust buckets, command files); read-only')
    .option('-e, --env <environment>', 'with --live: check only this environment (default: all)')
    .action(async (files: string[], options: { live?: boolean; env?: string }) => done(await (await commands.validate()).validateAction(context, files, options, configPath)));

  program
    .command('schema [which]')
    .description('print the JSON Schema of a drill file (or: schema config), for editor completion')
    .action(async (which: string | undefined) => done((await commands.catalogue()).schemaCommand(context, which ?? 'drill')));

  program
    .command('plan <drill>')
    .description('dry run: list every action a run would take; changes nothing')
    .requiredOption('-e, --env <environment>', 'the environment to drill')
    .option('--json', 'print the plan as JSON')
    .action(async (drill: string, options: { env: string; json?: boolean }) => done(await (await commands.catalogue()).planCommand(context, configPath(), drill, options.env, options)));

  program
    .command('run <drill>')
    .description('run a drill now and print its scorecard (exit 0 when it passes)')
    .requiredOption('-e, --env <environment>', 'the environment to drill')
    .option('--as <name>', AS_HELP)
    .option('--approval-timeout <duration>', 'how long to wait for approval, for drills that require it', '15m')
    .option('--json', 'print the scorecard as JSON')
    .option('--markdown', 'print the scorecard as Markdown')
    .option('--junit <file>', 'also write the result as JUnit XML, for CI pipelines')
    .action(async (drill: string, options: { env: string; as?: string; approvalTimeout: string; json?: boolean; markdown?: boolean; junit?: string }) =>
      done(await (await commands.runs()).runCommand(context, configPath(), drill, options.env, {
        actor: actor(options.as),
        format: formatFrom(options),
        approvalTimeout: options.approvalTimeout,
        interrupt,
        junit: options.junit,
      })),
    );

  program
    .command('demo')
    .description('run a whole drill on an embedded sandbox (PostgreSQL, S3, monitoring): nothing to install')
    .option('--drill <id>', 'which built-in drop-table drill', DEMO_DRILL)
    .option('--json', 'print only the scorecard JSON on stdout')
    .option('--markdown', 'print the scorecard as Markdown')
    .action(async (options: { drill: string; json?: boolean; markdown?: boolean }) =>
      done(await (await commands.demo()).demoCommand(context, { drill: options.drill, format: formatFrom(options), interrupt })),
    );

  program
    .command('scorecards [run]')
    .description('list past runs, or show one run\'s scorecard')
    .option('--drill <id>', 'only this drill')
    .option('--env <environment>', 'only this environment')
    .addOption(new Option('-n, --limit <n>', 'how many runs').default(20).argParser(positiveInteger))
    .option('--json', 'JSON')
    .option('--markdown', 'Markdown (with a run id)')
    .action(async (run: string | undefined, options: { drill?: string; env?: string; limit: number; json?: boolean; markdown?: boolean }) =>
      done(await (await commands.runs()).scorecardsCommand(context, configPath(), { ...options, run, format: formatFrom(options) })),
    );

  program
    .command('detected <run>')
    .description('say that you noticed the outage of a running drill (sets its TTD, timed from when this command started)')
    .option('--as <name>', AS_HELP)
    .addOption(new Option('--at <time>', 'when you noticed, if not now: an ISO-8601 time after the injection, e.g. 2025-03-04T10:15:30Z').argParser(parseIsoTime))
    .action(async (run: string, options: { as?: string; at?: Date }) =>
      // Stamped with the process's start, not after the config and store are loaded: that is when the person said so.
      done(await (await commands.runs()).signalCommand(context, configPath(), run, 'detected', actor(options.as), options.at ? statedArrival(options.at) : processStart(context.clock))),
    );
  for (const [name, signal, description] of [
    ['recovered', 'recovered', 'say that service is back for a running drill (the steady-state probes confirm it and time the RTO)'],
    ['abort', 'abort', 'abort a running drill: it undoes what it injected at once'],
    ['approve', 'approve', 'approve a drill that requires a second person'],
  ] as const) {
    program
      .command(`${name} <run>`)
      .description(description)
      .option('--as <name>', AS_HELP)
      .action(async (run: string, options: { as?: string }) => done(await (await commands.runs()).signalCommand(context, configPath(), run, signal, actor(options.as))));
  }

  program
    .command('learned <run> <text...>')
    .description("add what the team learned to a run's report (going or over)")
    .option('--as <name>', AS_HELP)
    .action(async (run: string, text: string[], options: { as?: string }) => done(await (await commands.followUps()).learnedCommand(context, configPath(), run, text.join(' '), actor(options.as))));

  program
    .command('action <run> <text...>')
    .description("add an action item to a run's report; prints its id")
    .option('--owner <@name>', 'who will do it, as an @mention')
    .option('--due <YYYY-MM-DD>', 'by when')
    .option('--as <name>', AS_HELP)
    .action(async (run: string, text: string[], options: { owner?: string; due?: string; as?: string }) =>
      done(await (await commands.followUps()).actionCommand(context, configPath(), run, { text: text.join(' '), owner: options.owner, due: options.due }, actor(options.as))),
    );

  program
    .command('done <action>')
    .description('mark an action item done (by its id)')
    .option('--as <name>', AS_HELP)
    .action(async (action: string, options: { as?: string }) => done(await (await commands.followUps()).doneCommand(context, configPath(), action, actor(options.as))));

  program
    .command('actions')
    .description('open action items of every run, the most pressing first')
    .option('--all', 'also those done')
    .option('--env <environment>', 'only runs in this environment')
    .addOption(new Option('-n, --limit <n>', 'how many').default(100).argParser(positiveInteger))
    .option('--json', 'JSON')
    .action(async (options: { all?: boolean; env?: string; limit: number; json?: boolean }) => done(await (await commands.followUps()).actionsCommand(context, configPath(), options)));

  program
    .command('report <run>')
    .description('write the drill report: <run>.md, <run>.json and its OpenPGP signature <run>.json.asc (audit evidence)')
    .option('-o, --out <dir>', 'where to write them', '.')
    .action(async (run: string, options: { out: string }) => done(await (await commands.reports()).reportCommand(context, configPath(), run, options)));

  program
    .command('signing-key')
    .description('print the public key that drill reports are signed with (for gpg --import)')
    .action(async () => done(await (await commands.reports()).signingKeyCommand(context, configPath())));

  program
    .command('schedule')
    .description('list the next starts of every schedule (date, time, time zone), with blackouts marked')
    .addOption(new Option('-n, --count <n>', 'how many starts per schedule').default(5).argParser(positiveInteger))
    .action(async (options: { count: number }) => done(await (await commands.schedules()).scheduleCommand(context, configPath(), options.count)));

  program
    .command('postpone <schedule>')
    .description("move a schedule's next drill by its postpone delay (default 1 day), a limited number of times")
    .option('--as <name>', AS_HELP)
    .action(async (schedule: string, options: { as?: string }) => done(await (await commands.schedules()).postponeCommand(context, configPath(), schedule, actor(options.as))));

  program
    .command('incident <action>')
    .description('open | close | status: while an incident is open, schedules with that blackout skip their drills')
    .option('--reason <text>', 'why (for open)')
    .option('--as <name>', AS_HELP)
    .action(async (action: string, options: { reason?: string; as?: string }) =>
      done(await (await commands.schedules()).incidentCommand(context, configPath(), action, actor(options.as), options.reason)),
    );

  program
    .command('status [run]')
    .description("the active runs and where each stands; with a run id, that run's whole journal (active or finished)")
    .action(async (run: string | undefined) => done(await (await commands.status()).statusCommand(context, configPath(), run)));

  program
    .command('digest')
    .description('the weekly digest as serve posts it (config digest:): runs by result against the period before, scores, the worst objective miss, drills overdue')
    .option('--env <environment...>', 'only these environments (default: digest.environments, else all not protected)')
    .option('--since <time>', 'the start of the period, e.g. 2026-11-23T09:00:00Z (default: a week ago)', parseIsoTime)
    .option('--json', 'JSON')
    .action(async (options: { env?: string[]; since?: Date; json?: boolean }) => done(await (await commands.digest()).digestCommand(context, configPath(), options)));

  program
    .command('recover')
    .description('roll back runs left unfinished by a firedrill process that died (also done on every start)')
    .action(async () => done(await (await commands.runs()).recoverCommand(context, configPath())));

  program
    .command('serve')
    .description('run the bot: the schedules, webhooks (/hooks/alertmanager, /hooks/grafana, /hooks/generic, /hooks/incident), /healthz, /metrics')
    .option('-p, --port <port>', 'TCP port (default: $PORT, else server.port)')
    .action(async (options: { port?: string }) => done(await (await commands.serve()).serveCommand(context, configPath(), { port: options.port, stop: interrupt })));

  program
    .command('chat')
    .description('the chat commands on the terminal (help, list, run, detected, abort, ...), one per line from stdin')
    .option('--as <name>', AS_HELP)
    .action(async (options: { as?: string }) => done(await (await commands.chat()).chatCommand(context, configPath(), { actor: actor(options.as), input: process.stdin, stop: interrupt })));

  addTrustCommands(program, context, configPath, done);
  addBackupCommands(program, context, configPath, actor, done);

  return program;
}

const AS_HELP = 'a name to journal beside yours, e.g. whom you act for; it grants nothing (you are your operating-system user, or FIREDRILL_USER)';

function positiveInteger(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError('give a whole number above zero');
  return value;
}

async function main(): Promise<void> {
  // Library deprecation notices (the AWS SDK's Node 20 notice) are not the user's business.
  process.removeAllListeners('warning');
  const context = defaultContext();
  process.on('warning', (warning) => context.log.debug({ warning: warning.message }, 'node warning'));
  // `firedrill schema | head` closes the pipe before the output ends: that only ends the output.
  // The command goes on (a drill still undoes what it injected) and exits as it would have.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
  const interrupt = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts === 1) {
      context.err('\nstopping: undoing what was injected (press Ctrl-C again to quit at once; `firedrill recover` finishes the undo)\n');
      interrupt.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const program = buildProgram(context, interrupt.signal, (code) => (process.exitCode = code));
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (isUserError(error)) {
      context.err(`firedrill: ${error.message}\n${error.hint ? `  ${error.hint}\n` : ''}`);
      process.exitCode = 2;
    } else {
      // The stack is for whoever debugs firedrill, not for the person at the keyboard.
      const reference = reportInternalError(context.log, error);
      context.err(`firedrill: internal error (reference ${reference}): ${error instanceof Error ? error.message : String(error)}\n  run with FIREDRILL_LOG_LEVEL=debug for details\n`);
      process.exitCode = 70;
    }
  }
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  exitOnceOutputDrains();
}

/**
 * The command is done and has stopped all it started; what a library may still hold does not
 * keep the process up (Bolt's Web API client retries a call to an unreachable Slack for half an
 * hour: `serve` would not exit on SIGTERM). The process ends as soon as nothing is pending, as
 * ever, and at the latest a second later, once its output has been written (a pager that is
 * not reading holds it, rightly).
 */
function exitOnceOutputDrains(): void {
  const timer = setTimeout(() => {
    if (process.stdout.writableLength > 0 || process.stderr.writableLength > 0) return void timer.refresh();
    process.exit();
  }, LINGER_MS);
  timer.unref();
}
const LINGER_MS = 1_000;

await main();
