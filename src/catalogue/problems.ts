/**
 * A problem found in a configuration or drill file, located so that editors and
 * terminals can jump to it. `line` and `col` are 1-based; a problem about the
 * whole file (it is missing, it cannot be read) has line 0 and col 0.
 */
export interface Problem {
  file: string;
  line: number;
  col: number;
  message: string;
  /** Worth fixing, but the file works as it is: `validate` still succeeds. */
  warning?: true;
}

/** `FILE:LINE:COL: message`, the format compilers use, so editors link it; `FILE: message` for whole-file problems. */
export function formatProblem(p: Problem): string {
  const message = p.warning ? `warning: ${p.message}` : p.message;
  if (p.line <= 0) return `${p.file}: ${message}`;
  return `${p.file}:${p.line}:${p.col}: ${message}`;
}

/** File order as given, then position: the order a reader fixes them in. Identical problems are reported once. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  const fileOrder = new Map<string, number>();
  for (const p of problems) if (!fileOrder.has(p.file)) fileOrder.set(p.file, fileOrder.size);
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const key = formatProblem(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort(
    (a, b) => (fileOrder.get(a.file) ?? 0) - (fileOrder.get(b.file) ?? 0) || a.line - b.line || a.col - b.col,
  );
}
