import { describe, expect, it } from 'vitest';
import { html, trustedHtml } from '../../../src/web/html.js';
import { parseRunQuery, queryString } from '../../../src/web/run-query.js';
import { csvField } from '../../../src/web/runs-export.js';

describe('the html template', () => {
  it('escapes every value but Html, arrays item by item, and drops null, undefined and false', () => {
    const title = `<script>alert('x')</script> & "y"`;
    expect(html`<p title="${title}">${title}</p>`.text).toBe(
      '<p title="&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;</p>',
    );
    expect(html`<ul>${['<a>', html`<li>${'<b>'}</li>`]}</ul>`.text).toBe('<ul>&lt;a&gt;<li>&lt;b&gt;</li></ul>');
    expect(html`${null}${undefined}${false}${0}${trustedHtml('<svg/>')}`.text).toBe('0<svg/>');
  });
});

describe('the run filters of /runs and its exports', () => {
  const parse = (query: string) => parseRunQuery(new URLSearchParams(query));

  it('reads environment, drill, kind, outcome, from, to and page; empty fields mean any', () => {
    expect(parse('env=staging&drill=drop-orders&kind=drop-table&outcome=not-detected&from=2026-01-01&to=2026-01-31&page=3')).toEqual({
      ok: true,
      query: {
        filter: { environment: 'staging', drill: 'drop-orders', kind: 'drop-table', result: 'not-detected', from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-02-01T00:00:00Z') },
        page: 3,
      },
    });
    expect(parse('env=&outcome=&from=&page=')).toEqual({ ok: true, query: { filter: {}, page: 1 } });
    expect(parse('from=2026-01-01T10:00:00%2B02:00')).toEqual({ ok: true, query: { filter: { from: new Date('2026-01-01T08:00:00Z') }, page: 1 } });
  });

  it('refuses what means nothing, saying what to send instead', () => {
    expect(parse('outcome=pass')).toEqual({ ok: false, problem: 'outcome "pass" is not one of passed, failed, aborted, refused, not-detected' });
    expect(parse('from=2026-02-30')).toMatchObject({ ok: false, problem: expect.stringContaining('from "2026-02-30" is not a date') });
    expect(parse('to=yesterday')).toMatchObject({ ok: false, problem: expect.stringContaining('YYYY-MM-DD') });
    expect(parse('from=2026-02-01&to=2026-01-01')).toEqual({ ok: false, problem: 'from must come before to' });
    for (const page of ['0', '-1', '1.5', 'two', '99999999']) expect(parse(`page=${page}`)).toMatchObject({ ok: false });
    expect(parse(`env=${'x'.repeat(201)}`)).toEqual({ ok: false, problem: 'env is longer than 200 characters' });
  });

  it('writes the same filters back for links, with the page when past the first', () => {
    const params = new URLSearchParams('env=staging&outcome=failed&page=4&junk=1');
    expect(queryString(params)).toBe('?env=staging&outcome=failed');
    expect(queryString(params, 5)).toBe('?env=staging&outcome=failed&page=5');
    expect(queryString(new URLSearchParams(''), 1)).toBe('');
  });
});

describe('CSV fields', () => {
  it('quotes what needs quoting and keeps text from running as a spreadsheet formula', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a, "b"\nc')).toBe('"a, ""b""\nc"');
    expect(csvField('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('@alice')).toBe("'@alice");
    expect(csvField(-5)).toBe('-5');
    expect(csvField(null)).toBe('');
    expect(csvField(false)).toBe('false');
  });
});
