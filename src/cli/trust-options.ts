/** The options of `firedrill trust answer`, apart from both the program and the command so that neither imports the other. */
export interface AnswerOptions {
  key?: string;
  passphraseEnv?: string;
  bucket?: string;
  answer?: string;
  as?: string;
}

/** Environment variable read for a protected private key's passphrase, unless --passphrase-env names another. */
export const DEFAULT_PASSPHRASE_ENV = 'FIREDRILL_KEY_PASSPHRASE';
