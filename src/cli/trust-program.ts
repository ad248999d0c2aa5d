import type { Command } from 'commander';
import type { CliContext } from './cli-context.js';
import { DEFAULT_PASSPHRASE_ENV, type AnswerOptions } from './trust-options.js';

/** openpgp and the S3 client are loaded when a trust command runs, not for the rest of the program. */
const trustCommands = () => import('./trust-commands.js');

/** `firedrill trust seal | verify | answer`, on the program's --config. */
export function addTrustCommands(program: Command, context: CliContext, configPath: () => string, done: (code: number) => void): void {
  const trust = program.command('trust').description('the circle of trust: seal the DR bundle to every key-holder, check it, answer a drill');

  trust
    .command('seal <files...>')
    .description('encrypt each FILE to every key-holder (ASCII-armoured) and put it, with a signed manifest, in every trust bucket')
    .action(async (files: string[]) => done(await (await trustCommands()).sealCommand(context, configPath(), files)));

  trust
    .command('verify')
    .description('check every bucket holds the latest sealed files, unchanged, encrypted to exactly the circle; and the keys (exit 1 on problems)')
    .option('--json', 'print the report as JSON')
    .action(async (options: { json?: boolean }) => done(await (await trustCommands()).verifyCommand(context, configPath(), Boolean(options.json))));

  trust
    .command('answer <run>')
    .description("a key-holder's side of the key-holder drill: fetch the challenge, decrypt it locally, send the answer")
    .option('--key <file>', 'your armoured private key (gpg --armor --export-secret-keys); used locally, never sent or stored')
    .option('--passphrase-env <name>', `environment variable holding the key's passphrase (default: ${DEFAULT_PASSPHRASE_ENV})`)
    .option('--bucket <name>', 'fetch from this trust bucket first')
    .option('--answer <code>', 'the code, when you decrypted the challenge yourself (gpg --decrypt); needs --as')
    .option('--as <holder>', 'your key-holder name, with --answer')
    .action(async (run: string, options: AnswerOptions) => done(await (await trustCommands()).answerCommand(context, configPath(), run, options)));
}

