/**
 * How many SQL statements `sql` holds: semicolons outside quotes, dollar quotes and comments
 * separate them. Only for `validate`'s message; at run time the extended query protocol
 * refuses more than one statement whatever this says.
 */
export function countSqlStatements(sql: string): number {
  let statements = 0;
  let pending = false;
  for (let i = 0; i < sql.length; ) {
    if (sql.startsWith('--', i) || sql.startsWith('/*', i)) {
      const [closing, skip] = sql.startsWith('--', i) ? ['\n', 1] : ['*/', 2];
      const close = sql.indexOf(closing, i + 2);
      i = close < 0 ? sql.length : close + skip;
      continue;
    }
    const quoted = quotedLength(sql, i);
    if (quoted > 0) {
      pending = true;
      i += quoted;
    } else if (sql[i] === ';') {
      if (pending) statements += 1;
      pending = false;
      i += 1;
    } else {
      if (!/\s/.test(sql[i]!)) pending = true;
      i += 1;
    }
  }
  return statements + (pending ? 1 : 0);
}

/** Length of the '...', "..." or $tag$...$tag$ starting at `at`; 0 when none starts there. */
function quotedLength(sql: string, at: number): number {
  const quote = sql[at];
  if (quote === "'" || quote === '"') {
    let i = at + 1;
    while (i < sql.length) {
      if (sql[i] === quote && sql[i + 1] === quote) i += 2;
      else if (sql[i] === quote) return i + 1 - at;
      else i += 1;
    }
    return sql.length - at;
  }
  const tag = /^\$([A-Za-z_][A-Za-z_0-9]*)?\$/.exec(sql.slice(at));
  if (!tag) return 0;
  const close = sql.indexOf(tag[0], at + tag[0].length);
  return close < 0 ? sql.length - at : close + tag[0].length - at;
}
