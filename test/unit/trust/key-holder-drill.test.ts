import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { EventBody, RunEvent } from '../../../src/engine/events.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { parseChallenge } from '../../../src/trust/challenge.js';
import type { Circle, Holder } from '../../../src/trust/circle.js';
import { keyHolderDrill } from '../../../src/trust/key-holder-drill.js';
import type { Pgp } from '../../../src/trust/ports.js';

/** In-memory ports: a "message" is JSON naming its recipients; good enough to test the drill's logic. */
const fakePgp = {
  encrypt: async (data: Uint8Array, recipients: readonly string[]) => JSON.stringify({ to: recipients, data: Buffer.from(data).toString() }),
  recipientKeyIds: async (message: string) => (JSON.parse(message) as { to: string[] }).to,
} as unknown as Pgp;

function memoryStore(name: string): ObjectStore & { objects: Map<string, string> } {
  const objects = new Map<string, string>();
  return {
    objects,
    location: `mem://${name}/`,
    put: async (key, body) => void objects.set(key, String(body)),
    get: async (key) => Readable.from([Buffer.from(objects.get(key) ?? '')]),
    list: async (prefix) => [...objects.keys()].filter((key) => key.startsWith(prefix)).map((key) => ({ key, size: 0, lastModified: new Date() })),
    delete: async (key) => void objects.delete(key),
  };
}

function holder(name: string, slack?: string): Holder {
  const keyId = name.padEnd(16, '0');
  return {
    name,
    config: { name, publicKey: `keys/${name}.asc`, slack },
    key: {
      fingerprint: name,
      userIds: [],
      algorithm: { family: 'ecc', bits: null, curve: 'ed25519', description: 'ed25519' },
      created: new Date(),
      expires: null,
      revoked: false,
      encryption: { keyId, algorithm: { family: 'ecc', bits: null, curve: 'cv25519', description: 'cv25519' }, expires: null, usable: true },
      keyIds: [keyId],
      armored: keyId,
    },
  };
}

function setup() {
  const stores = [memoryStore('a'), memoryStore('b')];
  const circle: Circle = {
    threshold: 2,
    holders: [holder('alice'), holder('bob', 'U0BOB'), holder('carol')],
    buckets: stores.map((store, index) => ({ name: `bucket-${index}`, spec: {} as Circle['buckets'][number]['spec'], store })),
    pgp: fakePgp,
    configPath: 'firedrill.yaml',
  };
  const drill = keyHolderDrill(circle, 'run-1', { holder: 'alice', variant: 'holder' }, () => new Date());
  const journaled: EventBody[] = [];
  const journal = { append: async (body: EventBody) => (journaled.push(body), body as RunEvent) };
  let seq = 0;
  const hear = (body: EventBody) => drill.onEvent({ ...body, seq: ++seq, at: new Date().toISOString(), mono: 0, clock: 'c' } as RunEvent, journal);
  return { drill, stores, journaled, hear };
}

describe('the key-holder drill core', () => {
  it('is green before the challenge is out, red until a holder left answers it correctly', async () => {
    const { drill, stores, journaled, hear } = setup();
    expect((await drill.access.check()).ok).toBe(true);
    hear({ type: 'answer-submitted', by: 'bob', answer: 'anything' });
    expect(journaled.at(-1)).toMatchObject({ type: 'signal-ignored', reason: 'no challenge is out yet' });

    await drill.fault.inject({ undoRecorded: async () => undefined, changed: async () => undefined, signal: new AbortController().signal });
    const message = JSON.parse(stores[1]!.objects.get('firedrill-challenges/run-1.asc')!) as { to: string[]; data: string };
    expect(message.to).toEqual(['bob0000000000000', 'carol00000000000']);
    const { code } = parseChallenge(message.data)!;
    expect((await drill.access.check()).ok).toBe(false);

    hear({ type: 'answer-submitted', by: 'mallory', answer: code });
    hear({ type: 'answer-submitted', by: 'alice', answer: code });
    hear({ type: 'answer-submitted', by: 'carol', answer: 'WRONG' });
    expect(journaled.map((body) => (body.type === 'signal-ignored' ? body.reason : body.type)).slice(1)).toEqual([
      'mallory is not a key-holder of the circle',
      'alice is the unavailable key-holder in this drill: their answer does not count',
      'wrong answer from carol',
    ]);
    expect((await drill.access.check()).ok).toBe(false);

    // From chat, a holder answers as their chat id.
    hear({ type: 'answer-submitted', by: 'U0BOB', answer: code });
    expect(await drill.access.check()).toEqual({ ok: true, detail: 'answered by bob' });
  });

  it('records the undo before anything is put, naming every bucket the challenge goes to', async () => {
    const { drill, stores } = setup();
    const undo = await drill.fault.undoAction();
    expect(undo).toMatchObject({ action: 'delete-challenge', description: 'delete the challenge firedrill-challenges/run-1.asc from bucket-0, bucket-1' });
    expect(stores.every((store) => store.objects.size === 0)).toBe(true);
    expect(drill.fault.plan()[0]).toBe('declare key-holder alice unavailable (named by the drill)');
  });
});
