import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';

describe('the logger', () => {
  it('never writes tokens, passwords, URLs or keys, at the top level or one level down', () => {
    const lines: string[] = [];
    const log = createLogger('info', { write: (line: string) => void lines.push(line) });
    log.info(
      {
        accessToken: 'syt_matrix_secret',
        password: 'hunter2',
        nested: { botToken: 'xoxb-slack-secret', url: 'postgres://firedrill:pw@db/shop', passphrase: 'correct horse' },
        headers: { authorization: 'Bearer alert-token' },
        drill: 'drop-orders-table',
      },
      'fixed message',
    );
    const written = lines.join('');
    for (const secret of ['syt_matrix_secret', 'hunter2', 'xoxb-slack-secret', 'postgres://', 'correct horse', 'alert-token']) {
      expect(written).not.toContain(secret);
    }
    expect(written).toContain('drop-orders-table');
    expect(written).toContain('fixed message');
  });
});
