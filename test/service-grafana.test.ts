/**
 * The Grafana dashboard and the Prometheus alert rules query only metrics spatialforge exports, the
 * rules pass `promtool check rules`, and the dashboard has the panels operators need.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { enableDefaultMetrics, metricsRegistry } from '@spatialforge/metrics';

const root = new URL('../', import.meta.url);
const dashboardPath = new URL('grafana/dashboards/spatialforge.json', root);
const rulesPath = new URL('grafana/alerts/spatialforge-rules.yml', root);
const PROMTOOL = '/usr/bin/promtool';

interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: { expr: string; datasource?: unknown }[];
}

const FUNCTION_OR_KEYWORD = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan']);

/** Metric names a PromQL expression selects: identifiers left once strings, matchers, ranges, groupings and function calls are removed. */
function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/\$\{?\w+\}?/g, '5m')
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, ' 0 ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const after = stripped.slice(match.index! + match[0].length).trimStart();
    if (after.startsWith('(') || FUNCTION_OR_KEYWORD.has(match[0].toLowerCase())) continue;
    names.add(match[0]);
  }
  return [...names];
}

async function exportedSeriesNames(): Promise<Set<string>> {
  enableDefaultMetrics();
  const names = new Set<string>();
  for (const family of await metricsRegistry.getMetricsAsJSON()) {
    names.add(family.name);
    if (String(family.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(family.name + suffix);
    if (String(family.type) === 'summary') for (const suffix of ['_sum', '_count']) names.add(family.name + suffix);
  }
  return names;
}

async function dashboardPanels(): Promise<Panel[]> {
  return (JSON.parse(await readFile(dashboardPath, 'utf8')) as { panels: Panel[] }).panels;
}

async function ruleExpressions(): Promise<{ alert: string; expr: string }[]> {
  const doc = parse(await readFile(rulesPath, 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

test('the metric-name extractor finds selectors and ignores functions, labels and groupings', () => {
  assert.deepEqual(
    metricNamesIn('histogram_quantile(0.95, sum by (le, stage) (rate(spatialforge_stage_duration_seconds_bucket{stage=~"lift|x"}[$__rate_interval])))'),
    ['spatialforge_stage_duration_seconds_bucket'],
  );
  assert.deepEqual(
    metricNamesIn('sum by (queue) (a_total{state="waiting"}) > 0 unless on (queue) sum by (queue) (label_replace(increase(b_total[15m]), "queue", "$1", "stage", "(.*)")) > 0'),
    ['a_total', 'b_total'],
  );
});

test('every dashboard query and alert rule uses only metrics spatialforge exports', async () => {
  const exported = await exportedSeriesNames();
  const queries = [
    ...(await dashboardPanels()).flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr }))),
    ...(await ruleExpressions()).map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
  ];
  assert.ok(queries.length >= 20, `expected the dashboard and rules to hold queries, found ${queries.length}`);
  const used = new Set<string>();
  for (const { where, expr } of queries) {
    const names = metricNamesIn(expr);
    assert.ok(names.length > 0, `${where}: no metric found in ${expr}`);
    for (const name of names) {
      assert.ok(exported.has(name), `${where} queries ${name}, which @spatialforge/metrics does not export`);
      used.add(name);
    }
  }
  // The extractor would let an unknown metric through only if the check above were vacuous.
  assert.ok(!exported.has('spatialforge_not_a_metric_total'));
  for (const required of ['spatialforge_images_processed_total', 'spatialforge_queue_jobs', 'spatialforge_stage_duration_seconds_bucket', 'spatialforge_workers']) {
    assert.ok(used.has(required), `nothing queries ${required}`);
  }
});

test('the dashboard has the panels operators need, each with a query', async () => {
  const panels = await dashboardPanels();
  const ids = panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids must be unique');
  const titles = panels.filter((p) => p.type !== 'row').map((p) => p.title);
  for (const wanted of ['Throughput per stage', 'Queue depth', 'Time to drain', 'Error rate', 'p95 stage latency (per image)', 'Workers up']) {
    assert.ok(titles.includes(wanted), `missing panel "${wanted}" (have: ${titles.join(', ')})`);
  }
  for (const panel of panels.filter((p) => p.type !== 'row')) {
    assert.ok((panel.targets ?? []).length > 0, `panel "${panel.title}" has no query`);
  }
});

test('the alert rules pass promtool check rules and cover stalled queues and error rates', async (t) => {
  const alerts = (await ruleExpressions()).map((r) => r.alert);
  for (const wanted of ['SpatialforgeQueueStalled', 'SpatialforgeHighErrorRate']) assert.ok(alerts.includes(wanted), `missing alert ${wanted}`);
  if (!existsSync(PROMTOOL)) {
    t.skip(`${PROMTOOL} is not installed (Debian package prometheus); rule syntax not checked`);
    return;
  }
  const result = spawnSync(PROMTOOL, ['check', 'rules', rulesPath.pathname], { encoding: 'utf8' });
  assert.equal(result.status, 0, `promtool check rules failed:\n${result.stdout}${result.stderr}`);
  assert.match(result.stdout, new RegExp(`SUCCESS: ${alerts.length} rules found`));
});
