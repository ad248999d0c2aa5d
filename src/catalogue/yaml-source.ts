import { open } from 'node:fs/promises';
import { constants } from 'node:fs';
import { Composer, isAlias, isMap, isScalar, isSeq, Lexer, LineCounter, Parser, visit, YAMLParseError, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import type { Problem } from './problems.js';

/** A path into parsed data, as zod reports it: object keys and array indexes. */
export type DataPath = readonly PropertyKey[];

/** One parsed YAML file, kept with its line table so any node can be turned back into FILE:LINE:COL. */
export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** The plain data (`doc.toJS()`); undefined when the YAML itself is broken. */
  data: unknown;
}

export type ReadResult = { ok: true; source: YamlSource } | { ok: false; problems: Problem[] };

/** Config and drill files are small; anything larger is a mistake (or an attack), not a catalogue. */
export const MAX_YAML_BYTES = 1024 * 1024;
/** Aliases may share a probe or two; beyond this, expanding them is a "billion laughs". */
export const MAX_ALIAS_COUNT = 100;
/**
 * Drill and config files nest about 8 levels deep. The YAML composer recurses once per level:
 * a few thousand `[` ran it out of stack, and a second such file in one process aborted
 * Node itself (a fatal out-of-memory in the RegExp compiler), so depth is bounded first.
 */
export const MAX_NESTING = 100;

/** Reads and parses `file`; a missing file or a YAML syntax error comes back as problems, never as a throw. */
export async function readYamlFile(file: string, missingHint = ''): Promise<ReadResult> {
  const read = await readYamlText(file, missingHint);
  return read.ok ? parseYaml(read.text, file) : read;
}

/** The text of a config or drill file, or why it cannot be read (as a problem at line 0). */
export async function readYamlText(file: string, missingHint = ''): Promise<{ ok: true; text: string } | { ok: false; problems: Problem[] }> {
  const read = await readSmallRegularFile(file, missingHint);
  if (typeof read !== 'string') return { ok: false, problems: [{ file, line: 0, col: 0, message: read.problem }] };
  return { ok: true, text: read };
}

/**
 * Opened without blocking and checked before reading: a FIFO or a device would hang or
 * never end, and a huge file would only waste memory before being refused.
 */
async function readSmallRegularFile(file: string, missingHint: string): Promise<string | { problem: string }> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { problem: `file not found${missingHint === '' ? '' : `; ${missingHint}`}` };
    return { problem: `cannot read the file (${code ?? String(error)})` };
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) return { problem: 'this is a folder, not a YAML file' };
    if (!info.isFile()) return { problem: 'not a regular file (a pipe, socket or device); give the path of a YAML file' };
    if (info.size > MAX_YAML_BYTES) {
      return { problem: `the file is ${info.size} bytes; config and drill files may be at most ${MAX_YAML_BYTES} bytes (1 MiB)` };
    }
    return await handle.readFile('utf8');
  } catch (error) {
    return { problem: `cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  } finally {
    await handle.close();
  }
}

/** Parses YAML text; every syntax error becomes a problem at its own position. */
export function parseYaml(text: string, file: string): ReadResult {
  const lexed = lexWithinNesting(text, MAX_NESTING);
  if (!Array.isArray(lexed)) {
    const { line, col } = lineAndColumn(text, lexed.tooDeepAt);
    const message = `collections nest more than ${MAX_NESTING} levels deep here: a drill or config file needs far fewer; flatten it`;
    return { ok: false, problems: [{ file, line, col, message }] };
  }
  const lineCounter = new LineCounter();
  const doc = composeDocument(text, lexed, lineCounter);
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error) => {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      const message =
        error.code === 'MULTIPLE_DOCS'
          ? 'one YAML document per file: remove the `---` separator or split the file'
          : `YAML syntax error: ${error.message.split('\n')[0]}`;
      return { file, line, col, message };
    });
    return { ok: false, problems };
  }
  const structureProblems = [...duplicateKeys(doc, lineCounter, file), ...unresolvedAliases(doc, lineCounter, file)];
  if (structureProblems.length > 0) return { ok: false, problems: structureProblems };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    const first = firstAlias(doc);
    const { line, col } = first?.range ? lineCounter.linePos(first.range[0]) : { line: 1, col: 1 };
    const message = `YAML aliases expand too much (more than ${MAX_ALIAS_COUNT} nodes through aliases): write the values out, or use fewer aliases`;
    return { ok: false, problems: [{ file, line, col, message }] };
  }
  return { ok: true, source: { file, doc, lineCounter, data } };
}

/** Tokens of the lexer that mark structure and are not in the text. */
const CONTROL_TOKENS = new Set(['\u0002', '\u0018', '\u001f']);

/**
 * The text's lexer tokens, read in one pass that stops where nesting first goes beyond `limit`
 * (no recursion, linear in the text read): flow brackets, plus block levels from indentation
 * and the `-`/`?` indicators on a line. It may count a level or two more than the composer
 * makes, never fewer. The tokens are then parsed as they are, so the text is lexed once.
 */
function lexWithinNesting(text: string, limit: number): string[] | { tooDeepAt: number } {
  const tokens: string[] = [];
  let offset = 0;
  let flow = 0;
  let onLine = 0;
  let lineStart = true;
  const indents: number[] = [];
  for (const token of new Lexer().lex(text)) {
    tokens.push(token);
    if (CONTROL_TOKENS.has(token)) continue;
    const at = offset;
    offset += token.length;
    if (token === '\n' || token === '\r\n') {
      lineStart = true;
      onLine = 0;
      continue;
    }
    if (lineStart) {
      lineStart = false;
      if (flow === 0 && !token.includes('\n')) {
        const indent = /^ */.exec(token)![0].length;
        while (indents.length && indents[indents.length - 1]! > indent) indents.pop();
        if (!indents.length || indents[indents.length - 1]! < indent) indents.push(indent);
      }
    }
    // A block scalar's lines come in one token: the line after it starts anew.
    if (token.endsWith('\n')) {
      lineStart = true;
      onLine = 0;
    }
    if (token === '[' || token === '{') flow++;
    else if ((token === ']' || token === '}') && flow > 0) flow--;
    else if ((token === '-' || token === '?') && flow === 0) onLine++;
    if (flow + indents.length + onLine > limit) return { tooDeepAt: at };
  }
  return tokens;
}

/**
 * What the library's parseDocument does, from tokens already lexed. prettyErrors is off: we
 * want the bare message and place it ourselves, without the code excerpt. uniqueKeys is off:
 * the library's own check compares every key with every other one (quadratic);
 * duplicateKeys below does the same in one pass. logLevel error: the library's warnings (a
 * collection used as a key) would go to the terminal; such a key is reported as unknown anyway.
 */
function composeDocument(text: string, tokens: readonly string[], lineCounter: LineCounter): Document.Parsed {
  const parser = new Parser(lineCounter.addNewLine);
  lineCounter.addNewLine(0);
  function* syntaxTree() {
    for (const token of tokens) yield* parser.next(token);
    yield* parser.end();
  }
  const composer = new Composer({ prettyErrors: false, uniqueKeys: false, logLevel: 'error' });
  let doc: Document.Parsed | undefined;
  for (const next of composer.compose(syntaxTree(), true, text.length)) {
    if (doc === undefined) {
      doc = next;
    } else {
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents'));
      break;
    }
  }
  // compose() with forceDoc yields a document for any text, an empty one included.
  return doc!;
}

function lineAndColumn(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

function duplicateKeys(doc: Document.Parsed, lineCounter: LineCounter, file: string): Problem[] {
  const problems: Problem[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Map<string, number>();
      for (const item of map.items) {
        if (!isScalar(item.key)) continue;
        const key = String(item.key.value);
        const { line, col } = item.key.range ? lineCounter.linePos(item.key.range[0]) : { line: 1, col: 1 };
        const first = seen.get(key);
        if (first === undefined) seen.set(key, line);
        else problems.push({ file, line, col, message: `duplicate key "${key}" (first at line ${first}): keep one` });
      }
    },
  });
  return problems;
}

/** `*name` without an `&name` before it: each reported where it is used. */
function unresolvedAliases(doc: Document.Parsed, lineCounter: LineCounter, file: string): Problem[] {
  const problems: Problem[] = [];
  visit(doc, {
    Alias(_, alias) {
      if (alias.resolve(doc) !== undefined) return;
      const { line, col } = alias.range ? lineCounter.linePos(alias.range[0]) : { line: 1, col: 1 };
      problems.push({ file, line, col, message: `YAML alias *${alias.source} has no anchor &${alias.source} before it` });
    },
  });
  return problems;
}

function firstAlias(doc: Document.Parsed): Node | undefined {
  let found: Node | undefined;
  visit(doc, {
    Alias(_, alias) {
      found = alias;
      return visit.BREAK;
    },
  });
  return found;
}

/**
 * The problem located at the node the path leads to (or its key); see {@link nodeAt}. The
 * message stays on one line, as FILE:LINE:COL output needs, even when it quotes a value that
 * spans lines (a block scalar where a duration was expected): line breaks and other control
 * characters are written as escapes.
 */
export function problemAt(source: YamlSource, path: DataPath, message: string, options: { key?: boolean } = {}): Problem {
  const node = nodeAt(source, path, options);
  const { line, col } = node?.range ? source.lineCounter.linePos(node.range[0]) : { line: 1, col: 1 };
  return { file: source.file, line, col, message: oneLine(message) };
}

const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/g;
const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function oneLine(message: string): string {
  return message.replace(CONTROL, (char) => ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The YAML node at `path`: the value node, or with `key: true` the key node of the last
 * step (where an unknown key should be reported). When the path leads nowhere (a missing
 * key, a default), the deepest node that exists is returned, so a problem lands on the
 * parent object that lacks the key.
 */
export function nodeAt(source: YamlSource, path: DataPath, options: { key?: boolean } = {}): Node | undefined {
  let node = resolveAlias(source, source.doc.contents ?? undefined);
  for (const [index, step] of path.entries()) {
    const last = index === path.length - 1;
    if (isMap(node)) {
      const pair = pairsByKey(node).get(String(step));
      if (!pair || !isScalar(pair.key)) return node;
      // `key:` with no value has no value node worth pointing at: the key is where to look.
      const value = resolveAlias(source, (pair.value as Node | null) ?? undefined);
      if ((last && options.key) || value === undefined || !value.range) return pair.key;
      node = value;
    } else if (isSeq(node) && typeof step === 'number') {
      const item = resolveAlias(source, (node.items[step] as Node | null) ?? undefined);
      if (item === undefined) return node;
      node = item;
    } else {
      return node;
    }
  }
  return node;
}

/**
 * A map's pairs by key, built once per map: problems are looked up one by one, and a
 * linear search per problem made a file with many unknown keys quadratic to validate.
 */
const pairIndexes = new WeakMap<YAMLMap, Map<string, Pair>>();
function pairsByKey(map: YAMLMap): Map<string, Pair> {
  let index = pairIndexes.get(map);
  if (!index) {
    index = new Map();
    for (const item of map.items) {
      const key = isScalar(item.key) ? String(item.key.value) : undefined;
      if (key !== undefined && !index.has(key)) index.set(key, item as Pair);
    }
    pairIndexes.set(map, index);
  }
  return index;
}

function resolveAlias(source: YamlSource, node: Node | undefined): Node | undefined {
  if (node !== undefined && isAlias(node)) return (node.resolve(source.doc) as Node | undefined) ?? node;
  return node;
}

/** `steadyState.probes[0].query`: a path as a person writes it. */
export function formatPath(path: DataPath): string {
  let text = '';
  for (const step of path) {
    if (typeof step === 'number') text += `[${step}]`;
    else {
      const name = String(step);
      text += /^[A-Za-z_][\w-]*$/.test(name) ? `${text === '' ? '' : '.'}${name}` : `[${JSON.stringify(name)}]`;
    }
  }
  return text;
}

/** Prefixes a message with the path of the node it is about, so the line reads on its own. */
export function atPath(path: DataPath, message: string): string {
  return path.length === 0 ? message : `${formatPath(path)}: ${message}`;
}
