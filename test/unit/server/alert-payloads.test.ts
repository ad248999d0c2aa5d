import { describe, expect, it } from 'vitest';
import { matchesAll, parseMatcher } from '../../../src/catalogue/label-matchers.js';
import { parseAlerts, type IncomingAlert, type ParseResult } from '../../../src/server/alert-payloads.js';

/** Alertmanager's webhook_config body, version 4, as documented by Prometheus (one firing, one resolved alert). */
const ALERTMANAGER = {
  version: '4',
  groupKey: '{}/{severity="page"}:{alertname="OrdersTableMissing"}',
  truncatedAlerts: 0,
  status: 'firing',
  receiver: 'firedrill',
  groupLabels: { alertname: 'OrdersTableMissing' },
  commonLabels: { alertname: 'OrdersTableMissing', severity: 'page' },
  commonAnnotations: { summary: 'public.orders is missing' },
  externalURL: 'http://alertmanager.staging.example:9093',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'OrdersTableMissing', severity: 'page', instance: 'db-0:9187', job: 'postgres' },
      annotations: { summary: 'public.orders is missing', description: 'to_regclass returned null for 1m' },
      startsAt: '2025-03-04T10:00:07.739266876+01:00',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.staging.example:9090/graph?g0.expr=pg_table_exists%7Btable%3D%22orders%22%7D+%3D%3D+0',
      fingerprint: '1a30ba71cca2921f',
    },
    {
      status: 'resolved',
      labels: { alertname: 'OrdersTableMissing', severity: 'page', instance: 'db-1:9187', job: 'postgres' },
      annotations: { summary: 'public.orders is missing' },
      startsAt: '2025-03-04T08:55:00Z',
      endsAt: '2025-03-04T09:01:00Z',
      generatorURL: 'http://prometheus.staging.example:9090/graph',
      fingerprint: '5e1b2c3d4e5f6a7b',
    },
  ],
};

/** Grafana unified alerting's webhook contact point body, as in Grafana's documentation. */
const GRAFANA = {
  receiver: 'firedrill',
  status: 'firing',
  orgId: 1,
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'Shop front down', grafana_folder: 'Staging', team: 'shop' },
      annotations: { summary: 'shop front answers 503', runbook_url: 'https://runbooks.example/shop' },
      startsAt: '2025-03-04T11:00:12.157076+01:00',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'https://grafana.staging.example/alerting/grafana/bdx7x9/view?orgId=1',
      fingerprint: 'c6eadffa33fcdf37',
      silenceURL: 'https://grafana.staging.example/alerting/silence/new?alertmanager=grafana&matcher=alertname%3DShop+front+down',
      dashboardURL: 'https://grafana.staging.example/d/shop?orgId=1',
      panelURL: 'https://grafana.staging.example/d/shop?orgId=1&viewPanel=2',
      values: { B: 503, C: 1 },
      valueString: "[ var='B' labels={} value=503 ], [ var='C' labels={} value=1 ]",
    },
  ],
  groupLabels: { alertname: 'Shop front down', grafana_folder: 'Staging' },
  commonLabels: { alertname: 'Shop front down', grafana_folder: 'Staging', team: 'shop' },
  commonAnnotations: { summary: 'shop front answers 503' },
  externalURL: 'https://grafana.staging.example/',
  version: '1',
  groupKey: '{}/{team="shop"}:{alertname="Shop front down", grafana_folder="Staging"}',
  truncatedAlerts: 0,
  title: '[FIRING:1] Shop front down Staging (shop)',
  state: 'alerting',
  message: '**Firing**\n\nValue: B=503, C=1\nLabels:\n - alertname = Shop front down\n',
};

function alertsOf(result: ParseResult): IncomingAlert[] {
  if (!result.ok) throw new Error(`expected the payload to parse, got: ${result.error}`);
  return result.alerts;
}

function errorOf(result: ParseResult): string {
  if (result.ok) throw new Error('expected the payload to be rejected');
  return result.error;
}

describe('parseAlerts: Alertmanager', () => {
  it('reads every alert of a version 4 webhook, firing and resolved', () => {
    const [firing, resolved] = alertsOf(parseAlerts('alertmanager', ALERTMANAGER));
    expect(firing).toEqual({
      source: 'alertmanager',
      name: 'OrdersTableMissing',
      status: 'firing',
      labels: { alertname: 'OrdersTableMissing', severity: 'page', instance: 'db-0:9187', job: 'postgres' },
      startsAt: new Date('2025-03-04T09:00:07.739Z'),
    });
    expect(resolved?.status).toBe('resolved');
    expect(resolved?.startsAt).toEqual(new Date('2025-03-04T08:55:00Z'));
  });

  it('treats the zero time Alertmanager sends for "unknown" as no start time', () => {
    const body = { ...ALERTMANAGER, alerts: [{ ...ALERTMANAGER.alerts[0], startsAt: '0001-01-01T00:00:00Z' }] };
    expect(alertsOf(parseAlerts('alertmanager', body))[0]?.startsAt).toBeUndefined();
  });

  it('names an alert without an alertname label', () => {
    const body = { version: '4', alerts: [{ status: 'firing', labels: { severity: 'page' } }] };
    expect(alertsOf(parseAlerts('alertmanager', body))[0]?.name).toBe('unnamed alert');
  });

  it.each([
    ['no alerts list', { version: '4', status: 'firing' }, /^alerts: /],
    ['an unknown status', { alerts: [{ status: 'pending', labels: {} }] }, /^alerts\.0\.status: /],
    ['a label that is not a string', { alerts: [{ status: 'firing', labels: { port: 5432 } }] }, /^alerts\.0\.labels\.port: /],
    ['a body that is not an object', 'firing', /^body: /],
  ])('rejects %s, naming where', (_, body, error) => {
    expect(errorOf(parseAlerts('alertmanager', body))).toMatch(error);
  });
});

describe('parseAlerts: Grafana', () => {
  it('reads a unified-alerting webhook, ignoring the fields only Grafana sends', () => {
    expect(alertsOf(parseAlerts('grafana', GRAFANA))).toEqual([
      {
        source: 'grafana',
        name: 'Shop front down',
        status: 'firing',
        labels: { alertname: 'Shop front down', grafana_folder: 'Staging', team: 'shop' },
        startsAt: new Date('2025-03-04T10:00:12.157Z'),
      },
    ]);
  });

  it('reads a resolved notification', () => {
    const body = { ...GRAFANA, status: 'resolved', state: 'ok', alerts: [{ ...GRAFANA.alerts[0], status: 'resolved' }] };
    expect(alertsOf(parseAlerts('grafana', body))[0]?.status).toBe('resolved');
  });

  it('rejects a legacy (pre-unified) Grafana body, which has no alerts list', () => {
    const legacy = { title: '[Alerting] Shop front down', ruleId: 1, ruleName: 'Shop front down', state: 'alerting', evalMatches: [] };
    expect(errorOf(parseAlerts('grafana', legacy))).toMatch(/^alerts: /);
  });
});

describe('parseAlerts: generic', () => {
  it('reads one alert, firing by default, with its name as the alertname label', () => {
    const body = { name: 'OrdersTableMissing', labels: { severity: 'page' }, startsAt: '2025-03-04T10:00:05Z' };
    expect(alertsOf(parseAlerts('generic', body))).toEqual([
      {
        source: 'generic',
        name: 'OrdersTableMissing',
        status: 'firing',
        labels: { alertname: 'OrdersTableMissing', severity: 'page' },
        startsAt: new Date('2025-03-04T10:00:05Z'),
      },
    ]);
  });

  it('reads a batch', () => {
    const body = { alerts: [{ name: 'A' }, { name: 'B', status: 'resolved', labels: { team: 'db' } }] };
    const alerts = alertsOf(parseAlerts('generic', body));
    expect(alerts.map(({ name, status, labels }) => ({ name, status, labels }))).toEqual([
      { name: 'A', status: 'firing', labels: { alertname: 'A' } },
      { name: 'B', status: 'resolved', labels: { alertname: 'B', team: 'db' } },
    ]);
    expect(alerts.every((alert) => alert.startsAt === undefined)).toBe(true);
  });

  it('ignores a start time it cannot read rather than guessing', () => {
    expect(alertsOf(parseAlerts('generic', { name: 'A', startsAt: 'yesterday' }))[0]?.startsAt).toBeUndefined();
  });

  it.each([
    ['an alert without a name', { labels: { severity: 'page' } }, /^name: /],
    ['an empty name', { name: '' }, /^name: /],
    ['a batch with a bad alert', { alerts: [{ name: 'A' }, { name: 'B', status: 'firing!' }] }, /^alerts\.1\.status: /],
    ['a batch that is not a list', { alerts: 'A' }, /^alerts: /],
    ['a list instead of an object', [{ name: 'A' }], /^body: /],
  ])('rejects %s, naming where', (_, body, error) => {
    expect(errorOf(parseAlerts('generic', body))).toMatch(error);
  });
});

describe('label matchers', () => {
  const matches = (matcher: string, value: string | undefined) => parseMatcher(matcher).test(value);

  it('= matches the exact value, and a missing label as the empty string', () => {
    expect(matches('alertname=OrdersTableMissing', 'OrdersTableMissing')).toBe(true);
    expect(matches('alertname=OrdersTableMissing', 'OrdersTableMissingSoon')).toBe(false);
    expect(matches('alertname=OrdersTableMissing', undefined)).toBe(false);
    expect(matches('team=', undefined)).toBe(true);
  });

  it('!= matches anything but the value', () => {
    expect(matches('env!=production', 'staging')).toBe(true);
    expect(matches('env!=production', 'production')).toBe(false);
    expect(matches('env!=production', undefined)).toBe(true);
  });

  it('=~ is anchored to the whole value, alternatives included', () => {
    expect(matches('severity=~critical|page', 'page')).toBe(true);
    expect(matches('severity=~critical|page', 'critical')).toBe(true);
    expect(matches('severity=~crit', 'critical')).toBe(false);
    expect(matches('severity=~critical|page', 'criticalish')).toBe(false);
    expect(matches('severity=~critical|page', 'no-page')).toBe(false);
    expect(matches('instance=~db-[0-9]+:9187', 'db-12:9187')).toBe(true);
  });

  it('!~ is anchored too', () => {
    expect(matches('env!~prod.*', 'staging')).toBe(true);
    expect(matches('env!~prod.*', 'production')).toBe(false);
    expect(matches('env!~prod', 'production')).toBe(true);
  });

  it('reads quoted values, spaces around the operator, and "=" inside a value', () => {
    expect(parseMatcher(' alertname = "Shop front down" ').label).toBe('alertname');
    expect(matches(' alertname = "Shop front down" ', 'Shop front down')).toBe(true);
    expect(matches('query=a=b', 'a=b')).toBe(true);
  });

  it.each(['severity', 'severity>3', '=page', '1abc=x'])('rejects %j', (text) => {
    expect(() => parseMatcher(text)).toThrow(`"${text}" is not a label matcher`);
  });

  it('rejects an invalid regular expression, naming the matcher', () => {
    expect(() => parseMatcher('instance=~db-(')).toThrow(/^"instance=~db-\(" is not a label matcher: .*regular expression/);
  });

  it('matchesAll needs every matcher to match', () => {
    const labels = { alertname: 'OrdersTableMissing', severity: 'page', env: 'staging' };
    expect(matchesAll(['alertname=OrdersTableMissing', 'severity=~page|critical', 'env!=production'], labels)).toBe(true);
    expect(matchesAll(['alertname=OrdersTableMissing', 'env=production'], labels)).toBe(false);
  });
});
