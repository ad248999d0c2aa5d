/** What a masked secret reads as, everywhere. */
export const REDACTED = '[redacted]';

/** Shorter values would mask ordinary words ("on", "db") all over the journal. */
const MIN_SECRET_LENGTH = 6;

/** Passwords written as examples in hints and docs, not secrets: `postgres://user:password@host`. */
const PLACEHOLDERS = /^(password|<password>|\*+|\[redacted\]|pass|secret)$/i;

/** `scheme://user:password@host`: the password part, whether or not firedrill knows it. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)([^\s@/]+)(@)/gi;

/**
 * Knows every secret value in force in this process (resolved `{env}`/`{file}` values,
 * tokens read from the environment, passwords inside URLs) and masks them in text and in
 * data. One per process: whatever records or shows something (journal, chat, logs,
 * terminal) asks the same one, so a secret learnt anywhere is masked everywhere.
 */
export class Redactor {
  private readonly values = new Set<string>();
  private pattern: RegExp | undefined;

  /** Remembers a secret, and for a URL its password too, decoded and as written. */
  add(secret: string | undefined): void {
    if (secret === undefined) return;
    const value = secret.trim();
    if (value.length < MIN_SECRET_LENGTH) return;
    const before = this.values.size;
    this.values.add(value);
    for (const password of urlPasswords(value)) {
      if (password.length >= MIN_SECRET_LENGTH) this.values.add(password);
    }
    if (this.values.size !== before) this.pattern = undefined;
  }

  /** Known values first (a known URL is masked whole), then the password of any other URL. */
  redact(text: string): string {
    const pattern = this.compiled();
    return maskUrlPasswords(pattern ? text.replace(pattern, REDACTED) : text);
  }

  /** A copy of `value` with every string in it redacted (objects, arrays, errors' messages). */
  redactDeep<T>(value: T): T {
    return this.walk(value, new WeakMap()) as T;
  }

  private walk(value: unknown, seen: WeakMap<object, unknown>): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (value === null || typeof value !== 'object') return value;
    if (seen.has(value)) return seen.get(value);
    if (Array.isArray(value)) {
      const copy: unknown[] = [];
      seen.set(value, copy);
      for (const item of value) copy.push(this.walk(item, seen));
      return copy;
    }
    if (value instanceof Date || Buffer.isBuffer(value)) return value;
    const copy: Record<string, unknown> = {};
    seen.set(value, copy);
    if (value instanceof Error) {
      copy.name = value.name;
      copy.message = this.redact(value.message);
      if (value.stack) copy.stack = this.redact(value.stack);
    }
    for (const [key, item] of Object.entries(value)) copy[key] = this.walk(item, seen);
    return copy;
  }

  private compiled(): RegExp | undefined {
    if (this.values.size === 0) return undefined;
    // Longest first, so a URL is masked whole rather than around its password.
    const sorted = [...this.values].sort((a, b) => b.length - a.length);
    this.pattern ??= new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
    return this.pattern;
  }
}

/** A URL (or any text) with the password of every URL in it masked: where it points stays readable. */
export function maskUrlPasswords(text: string): string {
  return text.replace(URL_PASSWORD, (whole, before: string, password: string, at: string) =>
    PLACEHOLDERS.test(password) ? whole : `${before}${REDACTED}${at}`,
  );
}

function urlPasswords(value: string): string[] {
  try {
    const { password } = new URL(value);
    if (!password) return [];
    return [password, safeDecode(password)];
  } catch {
    return [];
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** This process's redactor. */
export const secrets = new Redactor();
