import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { METRIC_LABELS, METRIC_NAMES, enableDefaultMetrics, metrics, metricsRegistry, metricsText } from './index.js';

test('every metric follows the naming rules: prefix, base units, _total counters, fixed labels', async () => {
  enableDefaultMetrics();
  const declared = new Set<string>(Object.values(METRIC_NAMES));
  for (const metric of await metricsRegistry.getMetricsAsJSON()) {
    assert.match(metric.name, /^spatialforge_[a-z0-9_]+$/, metric.name);
    if (String(metric.type) === 'counter') assert.match(metric.name, /_total$/, `${metric.name} is a counter`);
    else assert.doesNotMatch(metric.name, /_total$/, `${metric.name} is not a counter`);
    if (!declared.has(metric.name)) continue;
    assert.doesNotMatch(metric.name, /_(ms|milliseconds|kb|mb)(_|$)/, `${metric.name} uses base units`);
    for (const value of metric.values) {
      for (const label of Object.keys(value.labels)) {
        if (label === 'le' || label === 'quantile') continue;
        assert.ok((METRIC_LABELS as readonly string[]).includes(label), `${metric.name} label ${label}`);
      }
    }
  }
  for (const name of declared) {
    assert.ok(metricsRegistry.getSingleMetric(name), `${name} is registered`);
  }
});

test('the exposition passes promtool check metrics', async (t) => {
  if (spawnSync('promtool', ['--version']).error) {
    t.skip('promtool is not installed (Debian: apt-get install prometheus)');
    return;
  }
  enableDefaultMetrics();
  metrics.imagesProcessed.inc({ stage: 'lift', outcome: 'done' });
  metrics.stageDuration.observe({ stage: 'lift' }, 0.2);
  metrics.qaGenerated.inc({ type: 'left_of' }, 2);
  const { body } = await metricsText();
  const check = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
  assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
});
