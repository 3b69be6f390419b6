/**
 * docker/ and k8s/ cannot run here (no Docker engine, no cluster), so this checks them the way a
 * cluster and the code would: every Kubernetes object validates against its schema (core kinds,
 * KEDA and Prometheus-operator CRDs), and every name a manifest uses — settings, commands, ports,
 * probe paths, queues, metrics — is one the code really has.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import * as apps from 'kubernetes-models/apps/v1';
import * as core from 'kubernetes-models/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as keda from '@kubernetes-models/keda/keda.sh/v1alpha1';
import * as monitoring from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { registeredSettings, STAGES } from '@spatialforge/core';
import { stageRegistry, workerPortSetting } from '@spatialforge/pipeline';
import { enableDefaultMetrics, metricsRegistry } from '@spatialforge/metrics';
import { buildProgram } from '@spatialforge/cli';
import { PORT } from '@spatialforge/service';
import '@spatialforge/storage';
import '@spatialforge/ingest';
import '@spatialforge/vision';
import '@spatialforge/research';
import { generatedFiles, workerName } from '../scripts/generate-k8s.js';

const root = new URL('../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

type Model = new (data: any) => { validate(): void };
const MODELS: Record<string, Model> = {
  'apps/v1/Deployment': apps.Deployment,
  'apps/v1/StatefulSet': apps.StatefulSet,
  'v1/Namespace': core.Namespace,
  'v1/ConfigMap': core.ConfigMap,
  'v1/Secret': core.Secret,
  'v1/Service': core.Service,
  'networking.k8s.io/v1/Ingress': networking.Ingress,
  'policy/v1/PodDisruptionBudget': policy.PodDisruptionBudget,
  'keda.sh/v1alpha1/ScaledObject': keda.ScaledObject,
  'monitoring.coreos.com/v1/ServiceMonitor': monitoring.ServiceMonitor,
  'monitoring.coreos.com/v1/PodMonitor': monitoring.PodMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': monitoring.PrometheusRule,
};

function parseYaml(text: string): any[] {
  return parseAllDocuments(text, { merge: true }).map((doc) => {
    assert.equal(doc.errors.length, 0, doc.errors.map(String).join('\n'));
    return doc.toJS();
  }).filter((d) => d != null);
}

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
const NO_KUSTOMIZE = 'kubectl (with kustomize) is not installed: overlays cannot be rendered, only the base is checked';

/** The objects an overlay renders to: `kubectl kustomize` where kubectl exists, else the base's resources. */
function render(overlay: string): K8sObject[] {
  if (hasKubectl) {
    return parseYaml(execFileSync('kubectl', ['kustomize', new URL(`k8s/overlays/${overlay}`, root).pathname], { encoding: 'utf8' }));
  }
  const base = parseYaml(read('k8s/base/kustomization.yaml'))[0] as { resources: string[] };
  return base.resources.flatMap((resource) => parseYaml(read(`k8s/base/${resource}`)));
}

const overlays = readdirSync(new URL('k8s/overlays/', root));
const rendered = new Map(overlays.map((overlay) => [overlay, render(overlay)]));

enableDefaultMetrics();
/** Every metric /metrics exposes: ours and the process defaults, all under the spatialforge_ prefix. */
const metricNames = new Set<string>(metricsRegistry.getMetricsAsArray().map((m) => m.name));
/** Metric names in a PromQL expression that are ours (histogram series suffixes folded to the metric). */
function ourMetrics(expr: string): string[] {
  return [...expr.matchAll(/\bspatialforge_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''));
}

test('there is a CPU and a GPU overlay', () => {
  assert.deepEqual(overlays.sort(), ['cpu', 'gpu']);
});

for (const [overlay, objects] of rendered) {
  test(`${overlay} overlay: every object validates against its Kubernetes or CRD schema`, () => {
    assert.ok(objects.length > 20, `only ${objects.length} objects rendered`);
    for (const object of objects) {
      const model = MODELS[`${object.apiVersion}/${object.kind}`];
      assert.ok(model, `no schema known for ${object.apiVersion} ${object.kind} (${object.metadata.name})`);
      assert.doesNotThrow(() => new model(object).validate(), `${object.kind}/${object.metadata.name} is invalid`);
    }
  });

  test(`${overlay} overlay: one worker Deployment, PodDisruptionBudget and ScaledObject per registry stage`, () => {
    for (const definition of stageRegistry.all()) {
      const name = workerName(definition.stage);
      for (const kind of ['Deployment', 'PodDisruptionBudget', 'ScaledObject']) {
        assert.ok(objects.some((o) => o.kind === kind && o.metadata.name === name), `${kind} ${name} missing`);
      }
    }
    const scaledObjects = objects.filter((o) => o.kind === 'ScaledObject');
    const queues = new Set(stageRegistry.all().map((d) => d.queue));
    for (const scaled of scaledObjects) {
      const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === scaled.spec.scaleTargetRef.name);
      assert.ok(deployment, `${scaled.metadata.name} scales a Deployment that does not exist`);
      for (const trigger of scaled.spec.triggers) {
        const query: string = trigger.metadata.query;
        const queue = /queue="([^"]+)"/.exec(query)?.[1];
        assert.ok(queue && queues.has(queue), `${scaled.metadata.name} watches queue ${queue}, not a registry stage`);
        // KEDA must count every job waiting for a worker, whatever BullMQ state holds it.
        for (const state of ['waiting', 'prioritized', 'delayed']) assert.match(query, new RegExp(state));
        for (const metric of ourMetrics(query)) assert.ok(metricNames.has(metric), `${metric} in a KEDA query is not exported`);
      }
    }
  });

  test(`${overlay} overlay: containers run real CLI commands with settings the code reads, on the ports it serves`, async () => {
    const program = await buildProgram();
    const commands = new Set(program.commands.map((c) => c.name()));
    const settings = new Set(registeredSettings().map((s) => s.name));
    const configKeys = objects
      .filter((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('spatialforge-config') || o.kind === 'Secret')
      .flatMap((o) => Object.keys({ ...o.data, ...o.stringData }));
    for (const key of configKeys) assert.ok(settings.has(key), `config/secret key ${key} is not a setting the code reads`);

    for (const deployment of objects.filter((o) => o.kind === 'Deployment')) {
      for (const container of deployment.spec.template.spec.containers) {
        const [command, ...rest] = container.args as string[];
        assert.ok(commands.has(command), `${deployment.metadata.name} runs "${command}", not a spatialforge command`);
        for (const env of container.env ?? []) assert.ok(settings.has(env.name), `${deployment.metadata.name} sets ${env.name}, which nothing reads`);
        const port = container.ports[0].containerPort as number;
        if (command === 'worker') {
          const stages = rest[rest.indexOf('--stages') + 1].split(',');
          for (const stage of stages) assert.ok((STAGES as readonly string[]).includes(stage), `unknown stage ${stage}`);
          const workerPort = Number(container.env.find((e: { name: string }) => e.name === 'WORKER_PORT')?.value ?? workerPortSetting.read({}));
          assert.equal(port, workerPort, `${deployment.metadata.name} exposes ${port} but the worker listens on ${workerPort}`);
          assert.ok(deployment.spec.template.spec.terminationGracePeriodSeconds >= 60, 'a worker needs time to finish its batch on SIGTERM');
        } else {
          assert.equal(command, 'serve');
          const servicePort = Number(container.env?.find((e: { name: string }) => e.name === 'PORT')?.value ?? PORT.read({}));
          assert.equal(port, servicePort);
        }
        // Probe paths are checked against the running processes in deploy-start.test.ts.
        assert.deepEqual([container.readinessProbe.httpGet.path, container.livenessProbe.httpGet.path], ['/readyz', '/healthz']);
      }
    }
  });
}

test('gpu overlay: model stages ask for a GPU on GPU nodes and scale to zero; CPU stages do not', { skip: hasKubectl ? false : NO_KUSTOMIZE }, () => {
  const objects = rendered.get('gpu')!;
  for (const definition of stageRegistry.all()) {
    const name = workerName(definition.stage);
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name)!;
    const scaled = objects.find((o) => o.kind === 'ScaledObject' && o.metadata.name === name)!;
    const pod = deployment.spec.template.spec;
    const gpus = pod.containers[0].resources?.limits?.['nvidia.com/gpu'];
    if (definition.modelSlot) {
      assert.equal(gpus, 1, `${name} has no GPU limit`);
      assert.ok(pod.nodeSelector && pod.tolerations?.some((t: { key: string }) => t.key === 'nvidia.com/gpu'), `${name} is not steered to GPU nodes`);
      assert.equal(scaled.spec.minReplicaCount, 0, `${name} does not scale to zero`);
      assert.ok(pod.containers[0].env.some((e: { name: string; value: string }) => e.name === 'ORT_EXECUTION_PROVIDER' && e.value === 'cuda'));
    } else {
      assert.equal(gpus, undefined, `${name} should not take a GPU`);
    }
  }
});

test('alert rules and the Grafana dashboard use only exported metrics', () => {
  const exprs: string[] = [];
  const rules = parseYaml(read('grafana/alerts/spatialforge-rules.yml'))[0] as { groups: { rules: { expr: string }[] }[] };
  for (const group of rules.groups) for (const rule of group.rules) exprs.push(rule.expr);
  const dashboard = JSON.parse(read('grafana/dashboards/spatialforge.json'));
  const collect = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(collect);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'expr' && typeof value === 'string') exprs.push(value);
        else collect(value);
      }
    }
  };
  collect(dashboard);
  assert.ok(exprs.length >= 5, 'expected queries in the rules and the dashboard');
  for (const expr of exprs) for (const metric of ourMetrics(expr)) assert.ok(metricNames.has(metric), `${metric} is not exported (in: ${expr})`);
});

test('generated k8s files are up to date with the code (npm run generate:k8s)', () => {
  for (const [path, content] of generatedFiles()) {
    assert.ok(existsSync(new URL(path, root)), `${path} is missing`);
    assert.equal(read(path), content, `${path} is stale: run npm run generate:k8s`);
  }
});

test('compose: a whole stack whose services, dependencies, volumes and health checks hold together', () => {
  const compose = parseYaml(read('docker/compose.yaml'))[0] as {
    services: Record<string, { build?: { dockerfile: string }; image?: string; command?: string[]; depends_on?: Record<string, { condition: string }> | string[]; volumes?: string[]; environment?: Record<string, string>; healthcheck?: { test: string[] } }>;
    volumes: Record<string, unknown>;
  };
  const services = compose.services;
  for (const required of ['redis', 'minio', 'minio-bucket', 'service', 'worker-cpu', 'worker-perception', 'prometheus', 'grafana']) {
    assert.ok(services[required], `compose has no ${required} service`);
  }
  assert.ok(services.redis.command!.join(' ').includes('--maxmemory-policy noeviction'), 'Redis must not evict BullMQ keys');
  assert.ok(services.redis.command!.join(' ').includes('--appendonly yes'), 'Redis needs AOF for runs to survive restarts');
  const settings = new Set(registeredSettings().map((s) => s.name));
  const servedStages = new Set<string>();
  for (const [name, service] of Object.entries(services)) {
    const deps = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
    for (const dep of deps) assert.ok(services[dep], `${name} depends on unknown service ${dep}`);
    for (const [dep, { condition }] of Object.entries(Array.isArray(service.depends_on) ? {} : service.depends_on ?? {})) {
      if (condition === 'service_healthy') assert.ok(services[dep].healthcheck, `${name} waits for ${dep} to be healthy, but it has no health check`);
    }
    for (const volume of service.volumes ?? []) {
      const source = volume.split(':')[0];
      if (source.startsWith('.')) assert.ok(existsSync(new URL(source.replace(/^\.\.\//, ''), source.startsWith('../') ? root : new URL('docker/', root))), `${name} mounts missing ${source}`);
      else assert.ok(source in compose.volumes, `${name} uses undeclared volume ${source}`);
    }
    if (service.build) {
      assert.ok(existsSync(new URL(service.build.dockerfile, root)), `${service.build.dockerfile} missing`);
      assert.ok(service.healthcheck, `${name} has no health check`);
      for (const key of Object.keys(service.environment ?? {})) assert.ok(settings.has(key), `${name} sets ${key}, which nothing reads`);
      const [command, , stages] = service.command!;
      if (command === 'worker') stages.split(',').forEach((s) => servedStages.add(s));
    }
  }
  assert.deepEqual([...servedStages].sort(), [...STAGES].sort(), 'compose workers must serve every stage');
  const prometheus = parseYaml(read('docker/prometheus.yml'))[0] as { scrape_configs: { static_configs: { targets: string[] }[] }[] };
  const targets = prometheus.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
  for (const name of ['service', 'worker-cpu', 'worker-perception']) assert.ok(targets.some((t) => t.startsWith(`${name}:`)), `Prometheus does not scrape ${name}`);
});

test('Dockerfiles: multi-stage, non-root, health-checked, running the CLI', () => {
  for (const file of ['docker/Dockerfile', 'docker/Dockerfile.gpu']) {
    const text = read(file);
    assert.ok((text.match(/^FROM /gm) ?? []).length >= 2, `${file} is not multi-stage`);
    assert.match(text, /^USER (node|1000)$/m, `${file} runs as root`);
    assert.match(text, /^HEALTHCHECK /m);
    assert.match(text, /^ENTRYPOINT \["tini", "--", "node", "apps\/cli\/bin\/spatialforge.js"\]$/m);
  }
  assert.ok(existsSync(new URL('.dockerignore', root)));
});
