/**
 * The page of a run, `<publicUrl>/runs/<id>`: chat scorecards link to it. A publicUrl with a
 * path (`https://tools.example.com/firedrill`) keeps it: firedrill may sit behind a prefix.
 */
export function runPageUrl(publicUrl: string, runId: string): string {
  const base = publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`;
  return new URL(`runs/${encodeURIComponent(runId)}`, base).toString();
}
