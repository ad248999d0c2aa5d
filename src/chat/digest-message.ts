import { formatDuration } from '../catalogue/duration.js';
import type { ChatMessage, MessageTone } from './message.js';
import type { Digest, DigestActionItem, EnvironmentDigest, RunCounts } from '../digest/digest.js';

/** Lists longer than this are cut, saying how many more there are: the overview has them all. */
const LIST_LIMIT = 5;

/** The digest as a chat message: Slack and Matrix render it, the console prints its plain text. */
export function digestMessage(digest: Digest): ChatMessage {
  const total = sumCounts(digest.environments.map((env) => env.counts));
  const previous = sumCounts(digest.environments.map((env) => env.previousCounts));
  const lines: string[] = [];
  for (const env of digest.environments) lines.push(environmentLine(env));
  if (digest.worstMiss) {
    const miss = digest.worstMiss;
    const measured = miss.measuredMs === null ? 'never measured' : `${formatDuration(miss.measuredMs)} (${(miss.measuredMs / miss.objectiveMs).toFixed(1)}× its objective)`;
    lines.push(`Worst objective miss: ${miss.measure} of ${miss.title} in ${miss.environment}: ${measured}, objective ${formatDuration(miss.objectiveMs)} (run ${miss.runId.slice(0, 8)})`);
  } else {
    lines.push(`Worst objective miss: none${total.run > 0 ? ', every objective judged was met' : ': no drill ran'}`);
  }
  const overdue = digest.environments.flatMap((env) => env.overdue.map((drill) => ({ env: env.environment, ...drill })));
  if (overdue.length === 0) {
    lines.push('Drills overdue: none');
  } else {
    lines.push(`Drills overdue: ${overdue.length}`);
    for (const drill of overdue.slice(0, LIST_LIMIT)) {
      const last = drill.lastRunAt === null ? 'never run' : `last run ${day(drill.lastRunAt)} (${drill.lastResult}), due since ${day(drill.overdueSince!)}`;
      lines.push(`  ${drill.drill} in ${drill.env} (${drill.severity}): ${last}`);
    }
    if (overdue.length > LIST_LIMIT) lines.push(`  and ${overdue.length - LIST_LIMIT} more`);
  }
  if (digest.actions) lines.push(...actionLines(digest.actions.open, digest.actions.overdue));
  if (digest.overviewUrl) lines.push(`Overview: ${digest.overviewUrl}`);

  return {
    title: `Fire drill digest, ${day(digest.from)} to ${day(digest.to)}`,
    status:
      `${total.run} drill run(s): ${total.passed} passed, ${total.failed} failed, ${total.notDetected} not detected` +
      `${total.aborted ? `, ${total.aborted} aborted` : ''}${total.refused ? ` (${total.refused} refused)` : ''}` +
      ` · the period before: ${previous.run} run, ${previous.passed} passed, ${previous.failed} failed, ${previous.notDetected} not detected`,
    tone: toneOf(digest, total),
    fields: digest.environments.map((env) => ({ label: `${env.environment} resilience score`, value: scoreText(env) })),
    lines,
    actions: [],
  };
}

function environmentLine(env: EnvironmentDigest): string {
  const { counts, previousCounts } = env;
  return (
    `${env.environment}: ${counts.run} run (${trend(counts.run, previousCounts.run)}), ${counts.passed} passed (${trend(counts.passed, previousCounts.passed)}), ` +
    `${counts.failed} failed (${trend(counts.failed, previousCounts.failed)}), ${counts.notDetected} not detected (${trend(counts.notDetected, previousCounts.notDetected)})`
  );
}

function scoreText(env: EnvironmentDigest): string {
  if (env.score === null) return 'none (no drill applies)';
  if (env.scoreAtStart === null) return `${env.score}/100`;
  const change = env.score - env.scoreAtStart;
  return `${env.score}/100 (${change === 0 ? 'unchanged' : `${change > 0 ? '+' : ''}${change}`} since ${env.scoreAtStart})`;
}

function actionLines(open: DigestActionItem[], overdue: DigestActionItem[]): string[] {
  const lines = [`Action items: ${open.length} open, ${overdue.length} overdue`];
  for (const item of overdue.slice(0, LIST_LIMIT)) {
    lines.push(`  overdue since ${item.due}: ${item.text}${item.owner ? ` (${item.owner})` : ''} (run ${item.runId.slice(0, 8)})`);
  }
  if (overdue.length > LIST_LIMIT) lines.push(`  and ${overdue.length - LIST_LIMIT} more overdue`);
  return lines;
}

function toneOf(digest: Digest, total: RunCounts): MessageTone {
  if (total.notDetected > 0 || digest.environments.some((env) => env.score !== null && env.scoreAtStart !== null && env.score < env.scoreAtStart)) return 'bad';
  if (total.failed > 0 || total.aborted > 0 || digest.environments.some((env) => env.overdue.length > 0) || (digest.actions?.overdue.length ?? 0) > 0) return 'warning';
  return total.run > 0 ? 'good' : 'info';
}

function trend(now: number, before: number): string {
  if (now === before) return 'same as before';
  return `${now > before ? '+' : ''}${now - before}`;
}

function sumCounts(all: RunCounts[]): RunCounts {
  const sum: RunCounts = { run: 0, passed: 0, failed: 0, notDetected: 0, aborted: 0, refused: 0 };
  for (const counts of all) for (const key of Object.keys(sum) as (keyof RunCounts)[]) sum[key] += counts[key];
  return sum;
}

function day(iso: string): string {
  return iso.slice(0, 10);
}
