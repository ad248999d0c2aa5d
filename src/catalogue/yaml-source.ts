import { readFile } from 'node:fs/promises';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
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

/** Reads and parses `file`; a missing file or a YAML syntax error comes back as problems, never as a throw. */
export async function readYamlFile(file: string, missingHint = ''): Promise<ReadResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? `file not found${missingHint === '' ? '' : `; ${missingHint}`}`
        : code === 'EISDIR'
          ? 'this is a folder, not a YAML file'
          : `cannot read the file (${code ?? String(error)})`;
    return { ok: false, problems: [{ file, line: 0, col: 0, message }] };
  }
  return parseYaml(text, file);
}

/** Parses YAML text; every syntax error becomes a problem at its own position. */
export function parseYaml(text: string, file: string): ReadResult {
  const lineCounter = new LineCounter();
  // prettyErrors off: we want the bare message and place it ourselves, without the code excerpt.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
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
  return { ok: true, source: { file, doc, lineCounter, data: doc.toJS() } };
}

/** The problem located at the node the path leads to (or its key); see {@link nodeAt}. */
export function problemAt(source: YamlSource, path: DataPath, message: string, options: { key?: boolean } = {}): Problem {
  const node = nodeAt(source, path, options);
  const { line, col } = node?.range ? source.lineCounter.linePos(node.range[0]) : { line: 1, col: 1 };
  return { file: source.file, line, col, message };
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
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(step));
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
