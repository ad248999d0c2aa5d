import type { DetectedBy, EventBody, RunEvent, UndoAction } from '../engine/events.js';
import type { Fault, Probe } from '../engine/ports.js';
import { UserError } from '../errors.js';
import { type Circle, type CircleBucket, type Holder } from './circle.js';
import { challengeText, codeDigest, codeMatches, newChallengeCode, seededPick } from './challenge.js';
import { challengeKey, readManifest } from './manifest.js';
import { quorumLeft } from './quorum.js';
import type { TrustBucket } from './trust-schema.js';

export const DELETE_CHALLENGE = 'delete-challenge';

export interface KeyHolderTarget {
  holder?: string;
  bucket?: string;
  variant: 'holder' | 'bucket-unavailable';
}

/** What the undo needs, journaled: bucket settings hold no secrets (credentials are env names). */
export interface DeleteChallengeParams {
  key: string;
  buckets: TrustBucket[];
}

export interface KeyHolderDrill {
  fault: Fault;
  /** Steady state: green before the challenge is out, red until a remaining holder answers it. */
  access: Probe;
  /** Verification: enough remaining holders can decrypt every sealed file. Journals the measurements. */
  quorum: Probe;
  onEvent(event: RunEvent, journal: { append(body: EventBody): Promise<RunEvent> }): void;
}

/**
 * The key-holder-unavailable drill over the circle's ports. One holder (and, for the
 * `bucket-unavailable` variant, one bucket) is declared gone; a fresh challenge is sealed
 * to the others and put in the buckets left; recovery is a correct answer from a holder
 * left. The code itself is never journaled: only its hash is kept, in memory.
 */
export function keyHolderDrill(circle: Circle, runId: string, target: KeyHolderTarget, now: () => Date): KeyHolderDrill {
  const gone = pickHolder(circle, runId, target);
  const goneBucket = target.variant === 'bucket-unavailable' ? pickBucket(circle, runId, target) : undefined;
  const remaining = circle.holders.filter((holder) => holder !== gone.item);
  const buckets = circle.buckets.filter((bucket) => bucket !== goneBucket?.item);
  const key = challengeKey(runId);
  const answered = new Set<string>();
  let digest: Buffer | undefined;
  let journal: { append(body: EventBody): Promise<RunEvent> } | undefined;

  const fault: Fault = {
    plan: () => [
      `declare key-holder ${gone.item.name} unavailable (${target.holder ? 'named by the drill' : `random pick, seed ${gone.seed} from run id ${runId}`})`,
      ...(goneBucket ? [`declare bucket ${goneBucket.item.name} unavailable (${target.bucket ? 'named by the drill' : `random pick, seed ${goneBucket.seed}`})`] : []),
      `seal a fresh random challenge to ${names(remaining)} only`,
      `put it in ${buckets.map((bucket) => `${bucket.store.location}${key}`).join(', ')}`,
      `wait for ${names(remaining)} to answer: firedrill trust answer ${runId} --key FILE`,
    ],
    preflight: () => preflightChecks(circle, remaining, buckets),
    undoAction: async (): Promise<UndoAction> => ({
      action: DELETE_CHALLENGE,
      description: `delete the challenge ${key} from ${names(buckets)}`,
      params: { key, buckets: buckets.map((bucket) => bucket.spec) } satisfies DeleteChallengeParams as unknown as Record<string, unknown>,
    }),
    async inject() {
      const code = newChallengeCode();
      const at = now();
      const armored = await circle.pgp.encrypt(Buffer.from(challengeText(runId, code)), remaining.map((holder) => holder.key.armored), { filename: 'challenge.txt', at });
      digest = codeDigest(code);
      await Promise.all(buckets.map((bucket) => bucket.store.put(key, armored)));
    },
  };

  const access: Probe = {
    name: 'a remaining key-holder decrypted the challenge',
    check: async () => {
      if (!digest) return { ok: true, detail: 'no challenge out' };
      if (answered.size) return { ok: true, detail: `answered by ${[...answered].join(', ')}` };
      return { ok: false, detail: `waiting for ${names(remaining)}` };
    },
  };

  const quorum: Probe = {
    name: 'quorum left',
    check: async () => {
      const left = await quorumLeft(circle, remaining, buckets);
      await journal?.append({ type: 'measured', name: 'holders answered', value: answered.size });
      await journal?.append({ type: 'measured', name: 'quorum left', value: left.holders.length });
      await journal?.append({ type: 'measured', name: 'threshold', value: circle.threshold });
      const ok = left.holders.length >= circle.threshold;
      const who = left.holders.length ? ` (${names(left.holders)})` : '';
      const gaps = left.gaps.length ? `; ${left.gaps.join('; ')}` : '';
      return {
        ok,
        detail: `${left.holders.length} remaining key-holder(s)${who} can decrypt all ${left.files} sealed file(s); threshold ${circle.threshold}${gaps}${ok ? '' : ': re-seal the bundle to the whole circle (firedrill trust seal)'}`,
      };
    },
  };

  function onEvent(event: RunEvent, runJournal: { append(body: EventBody): Promise<RunEvent> }): void {
    journal = runJournal;
    if (event.type === 'injected') {
      // One after the other, so the scorecard lists them in this order.
      const recordWhatIsGone = async () => {
        await runJournal.append({ type: 'measured', name: 'unavailable holder', value: gone.item.name });
        if (goneBucket) await runJournal.append({ type: 'measured', name: 'unavailable bucket', value: goneBucket.item.name });
      };
      void recordWhatIsGone().catch(() => undefined);
    }
    if (event.type !== 'answer-submitted') return;
    const holder = holderNamed(circle.holders, event.by);
    const by: DetectedBy = { source: holder && holder.name === event.by ? 'cli' : 'chat', name: event.by };
    const reject = !digest
      ? 'no challenge is out yet'
      : !holder
        ? `${event.by} is not a key-holder of the circle`
        : holder === gone.item
          ? `${holder.name} is the unavailable key-holder in this drill: their answer does not count`
          : !codeMatches(event.answer, digest)
            ? `wrong answer from ${holder.name}`
            : undefined;
    if (reject) {
      void runJournal.append({ type: 'signal-ignored', reason: reject, by }).catch(() => undefined);
      return;
    }
    answered.add(holder!.name);
  }

  return { fault, access, quorum, onEvent };
}

function pickHolder(circle: Circle, runId: string, target: KeyHolderTarget): { item: Holder; seed: string } {
  if (!target.holder) return seededPick(circle.holders, runId, 'holder');
  const named = circle.holders.find((holder) => holder.name === target.holder);
  if (!named) {
    throw new UserError(`the drill's target.holder "${target.holder}" is not in trust.holders of ${circle.configPath}`, `holders: ${names(circle.holders)}`);
  }
  return { item: named, seed: '' };
}

function pickBucket(circle: Circle, runId: string, target: KeyHolderTarget): { item: CircleBucket; seed: string } {
  if (circle.buckets.length < 2) {
    throw new UserError(`variant bucket-unavailable needs at least 2 trust buckets; ${circle.configPath} has ${circle.buckets.length}`, 'add a bucket (ideally at another provider) under trust.buckets');
  }
  if (!target.bucket) return seededPick(circle.buckets, runId, 'bucket');
  const named = circle.buckets.find((bucket) => bucket.name === target.bucket);
  if (!named) {
    throw new UserError(`the drill's target.bucket "${target.bucket}" is not in trust.buckets of ${circle.configPath}`, `buckets: ${names(circle.buckets)}`);
  }
  return { item: named, seed: '' };
}

/** People answer as their holder name (CLI) or their chat id (chat). */
function holderNamed(holders: readonly Holder[], by: string): Holder | undefined {
  return holders.find((holder) => holder.name === by || holder.config.slack === by || holder.config.matrix === by);
}

async function preflightChecks(circle: Circle, remaining: readonly Holder[], buckets: readonly CircleBucket[]) {
  const unusable = remaining.filter((holder) => holder.key.revoked || !holder.key.encryption?.usable);
  const reads = await Promise.all(buckets.map(async (bucket) => ({ bucket, read: await readManifest(bucket.store, circle.pgp) })));
  const unreachable = reads.filter(({ read }) => read.state === 'unreachable');
  const sealed = reads.filter(({ read }) => read.state === 'ok');
  return [
    {
      check: 'remaining key-holders can receive the challenge',
      ok: remaining.length > 0 && unusable.length === 0,
      detail: remaining.length === 0
        ? 'nobody is left in the circle'
        : unusable.length
          ? `no usable encryption key for ${names(unusable)} (expired, revoked or too weak): firedrill trust verify says more`
          : `${names(remaining)}`,
    },
    {
      check: 'buckets left are reachable',
      ok: unreachable.length === 0,
      detail: unreachable.length
        ? unreachable.map(({ bucket, read }) => `${bucket.name}: ${read.state === 'unreachable' ? read.reason : ''}`).join('; ')
        : names(buckets),
    },
    {
      check: 'a sealed bundle is in the buckets left',
      ok: sealed.length > 0,
      detail: sealed.length ? `signed manifest in ${names(sealed.map(({ bucket }) => bucket))}` : 'nothing sealed there: run firedrill trust seal FILE... first',
    },
  ];
}

function names(items: readonly { name: string }[]): string {
  return items.map((item) => item.name).join(', ') || 'nobody';
}
