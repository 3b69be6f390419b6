// The spatialforge dashboard: vanilla JS against the same /v1 API any client uses. It polls the
// selected run every second (and the run list and workers every few seconds), keeps a short history
// of per-stage throughput for the chart, and fetches pictures as blobs so the bearer token is sent.
import { drawThroughputChart, stageColour } from './chart.js';

const TOKEN_KEY = 'spatialforge.token';
const RUN_POLL_MS = 1000;
const LIST_POLL_EVERY = 3; // run-list and worker refresh: every N run polls
const HISTORY_POINTS = 180;
const SAMPLE_STRIP = 12;

const $ = (id) => document.getElementById(id);

const state = {
  token: '',
  principal: undefined,
  runs: [],
  next: undefined,
  selectedId: undefined,
  run: undefined,
  /** runId → [{ t (ms), finished: { stage: images done or failed so far } }], one per poll */
  history: new Map(),
  samples: [],
  samplesStamp: '',
  failuresStamp: '',
  datasetShownFor: '',
  thumbs: new Map(),
  viewer: { index: -1, urls: [], filter: 'all', qa: [] },
  ticks: 0,
};

class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
  }
}

async function api(path, { method = 'GET', body, as = 'json' } = {}) {
  const headers = { authorization: `Bearer ${state.token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) {
    const error = new ApiError(response.status, await response.json().catch(() => undefined));
    if (response.status === 401) signedOut('The token was refused (unknown or revoked).');
    throw error;
  }
  return as === 'blob' ? response.blob() : response.json();
}

async function blobUrl(path) {
  return URL.createObjectURL(await api(path, { as: 'blob' }));
}

// ---------- formatting ----------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    // CSSOM, not a style attribute: the Content-Security-Policy forbids inline style attributes.
    else if (key === 'style') Object.assign(node.style, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) if (child !== undefined && child !== null) node.append(child);
  return node;
}

const number = new Intl.NumberFormat('en');
function fmt(n) {
  return number.format(n);
}
function fmtRate(r) {
  return r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toFixed(2);
}
function fmtDuration(seconds) {
  if (seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${Math.round(seconds % 60)}s`;
  return `${Math.floor(seconds / 3600)}h ${Math.round((seconds % 3600) / 60)}m`;
}
function fmtAgo(iso) {
  const seconds = (Date.now() - Date.parse(iso)) / 1000;
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${Math.round(seconds)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}
function fmtBytes(bytes) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
function baseName(input) {
  const clean = input.split('?')[0];
  return clean.slice(clean.lastIndexOf('/') + 1) || input;
}

/** Share of a run's images that have left the last stage (completed or failed). */
function progressOf(run) {
  const total = run.totals.images || run.totals.inputs;
  if (!total) return run.status === 'completed' ? 1 : 0;
  return Math.min(1, (run.totals.completed + run.totals.failed) / total);
}

// ---------- connection ----------

function setConnection(stateName, text) {
  const node = $('connection');
  node.dataset.state = stateName;
  node.textContent = text;
}

function signedOut(message) {
  state.principal = undefined;
  $('token-form').classList.toggle('invalid', Boolean(message));
  $('token-form').hidden = false;
  $('whoami').hidden = true;
  $('sign-out').hidden = true;
  setConnection(message ? 'error' : 'idle', message ?? 'not connected');
}

async function connect(token) {
  state.token = token;
  try {
    state.principal = await api('/v1/whoami');
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) setConnection('error', `cannot reach the service: ${err.message}`);
    return false;
  }
  localStorage.setItem(TOKEN_KEY, token);
  $('token-form').classList.remove('invalid');
  $('token-form').hidden = true;
  const who = $('whoami');
  who.replaceChildren('tenant ', el('b', { text: state.principal.tenant }), state.principal.scopes.includes('admin') ? ' · admin' : '');
  who.hidden = false;
  $('sign-out').hidden = false;
  $('workers-note').hidden = state.principal.scopes.includes('admin');
  $('all-tenants').hidden = !state.principal.scopes.includes('admin');
  setConnection('live', 'live');
  await refreshRuns();
  await refreshWorkers();
  return true;
}

// ---------- runs list ----------

const allTenants = () => $('all-tenants-input').checked;

async function refreshRuns() {
  const first = await api(`/v1/runs?limit=30${allTenants() ? '&allTenants=true' : ''}`);
  state.runs = first.runs;
  state.next = first.next;
  renderRuns();
  if (!state.selectedId && state.runs.length > 0) selectRun(state.runs[0].id);
}

function renderRuns() {
  $('runs-count').textContent = state.runs.length ? `(${state.runs.length}${state.next ? '+' : ''})` : '';
  const list = $('runs');
  list.replaceChildren(
    ...state.runs.map((run) =>
      el(
        'li',
        { class: run.id === state.selectedId ? 'selected' : '', 'data-run-id': run.id, onclick: () => selectRun(run.id) },
        el('span', { class: 'run-id', text: run.id }),
        el('span', { class: `status ${run.status}`, text: run.status }),
        el('div', { class: 'mini-bar' }, el('i', { style: { width: `${(progressOf(run) * 100).toFixed(1)}%` } })),
        el('span', { class: 'run-meta', text: `${allTenants() && run.tenant ? `${run.tenant} · ` : ''}${fmt(run.totals.completed)} / ${fmt(run.totals.images || run.totals.inputs)} images · ${fmt(run.totals.qaPairs)} QA · ${fmtAgo(run.createdAt)}` }),
      ),
    ),
  );
  if (state.runs.length === 0) list.append(el('li', { class: 'muted small', text: 'No runs yet. Submit one with POST /v1/runs or spatialforge submit.' }));
  $('runs-more').hidden = !state.next;
}

$('all-tenants-input').addEventListener('change', () => void refreshRuns());

$('runs-more').addEventListener('click', async () => {
  const page = await api(`/v1/runs?limit=30&cursor=${encodeURIComponent(state.next)}${allTenants() ? '&allTenants=true' : ''}`);
  state.runs.push(...page.runs);
  state.next = page.next;
  renderRuns();
});

// ---------- workers ----------

async function refreshWorkers() {
  if (!state.principal?.scopes.includes('admin')) {
    $('workers').replaceChildren();
    return;
  }
  const { workers } = await api('/v1/workers');
  $('workers-count').textContent = `(${workers.length})`;
  $('workers').replaceChildren(
    ...workers.map((worker) => {
      const age = (Date.now() - Date.parse(worker.lastHeartbeat)) / 1000;
      const beat = age > 60 ? 'dead' : age > 15 ? 'stale' : worker.busy ? 'busy' : '';
      return el(
        'li',
        { 'data-worker-id': worker.id },
        el('i', { class: `beat ${beat}`, title: worker.busy ? 'busy' : 'idle' }),
        el('span', { class: 'host', text: worker.host, title: worker.id }),
        el('span', { class: 'muted', text: fmtAgo(worker.lastHeartbeat) }),
        el('span', { class: 'stages-list', text: worker.stages.join(' · ') }),
      );
    }),
  );
  if (workers.length === 0) $('workers').append(el('li', { class: 'muted', text: 'No workers are sending heartbeats.' }));
}

// ---------- one run ----------

function selectRun(id) {
  if (state.selectedId !== id) {
    history.replaceState(null, '', `${location.pathname}${location.search}#run=${encodeURIComponent(id)}`);
    state.selectedId = id;
    state.samples = [];
    state.samplesStamp = '';
    state.failuresStamp = '';
    state.datasetShownFor = '';
    $('samples').replaceChildren();
    $('failures').replaceChildren();
    $('dataset-card').hidden = true;
  }
  renderRuns();
  void refreshRun();
}

async function refreshRun() {
  if (!state.selectedId) return;
  const run = await api(`/v1/runs/${state.selectedId}`);
  state.run = run;
  const history = state.history.get(run.id) ?? [];
  history.push({ t: Date.now(), finished: Object.fromEntries(run.stages.map((s) => [s.stage, s.done + s.failed])) });
  if (history.length > HISTORY_POINTS) history.splice(0, history.length - HISTORY_POINTS);
  state.history.set(run.id, history);
  const index = state.runs.findIndex((r) => r.id === run.id);
  if (index >= 0) {
    state.runs[index] = run;
    renderRuns();
  }
  renderRun(run);
  await Promise.all([refreshSamples(run), refreshFailures(run), refreshDataset(run)]);
}

function renderRun(run) {
  $('empty').hidden = true;
  $('run-detail').hidden = false;
  $('run-title').textContent = run.id;
  const source = run.source.uri ?? `${run.source.kind} · ${fmt(run.source.items ?? 0)} items`;
  $('run-subtitle').textContent = `${source} · created ${fmtAgo(run.createdAt)} · ${run.options.stages.join(' → ')}`;
  const status = $('run-status');
  status.className = `status ${run.status}`;
  status.textContent = run.status;
  const finished = ['completed', 'failed', 'cancelled'].includes(run.status);
  $('cancel-button').disabled = finished;
  $('retry-button').disabled = run.totals.failed === 0;
  $('dataset-button').disabled = run.status !== 'completed';
  $('run-error').hidden = !run.error;
  $('run-error').textContent = run.error ?? '';

  const throughput = run.stages.reduce((best, s) => Math.max(best, s.imagesPerSecond), 0);
  const lastStage = run.stages[run.stages.length - 1];
  const rate = lastStage && lastStage.imagesPerSecond > 0 ? lastStage.imagesPerSecond : throughput;
  const stat = (label, value, extra = '', cls = '') => el('div', { class: `stat ${cls}` }, el('div', { class: 'label', text: label }), el('div', { class: 'value' }, value, extra ? el('small', { text: ` ${extra}` }) : undefined));
  $('stats').replaceChildren(
    stat('Images', fmt(run.totals.images || run.totals.inputs), run.totals.duplicates ? `${fmt(run.totals.duplicates)} dup` : ''),
    stat('Completed', fmt(run.totals.completed), `${(progressOf(run) * 100).toFixed(0)}%`),
    stat('Failed', fmt(run.totals.failed), '', run.totals.failed ? 'failed' : ''),
    stat('QA pairs', fmt(run.totals.qaPairs), '', 'stat-qa'),
    stat('Throughput', fmtRate(rate), 'img/s'),
    stat('ETA', finished ? '—' : fmtDuration(run.etaSeconds)),
  );

  const total = run.totals.images || run.totals.inputs || 1;
  const selected = new Set(run.options.stages);
  $('stages').replaceChildren(
    ...run.stages.map((s) => {
      const pct = (n) => `${Math.min(100, (n / total) * 100).toFixed(2)}%`;
      return el(
        'div',
        { class: `stage ${selected.has(s.stage) ? '' : 'skipped'}`, 'data-stage': s.stage, 'data-done': s.done, 'data-active': s.active, 'data-failed': s.failed },
        el('span', { class: 'name', text: s.stage }),
        el('div', { class: 'bar', title: `${s.done} done, ${s.active} active, ${s.failed} failed, ${s.waiting} waiting${s.reused ? `, ${s.reused} reused` : ''}` },
          el('span', { class: 'done', style: { width: pct(s.done) } }),
          el('span', { class: 'active', style: { width: pct(s.active) } }),
          el('span', { class: 'failed', style: { width: pct(s.failed) } }),
        ),
        el('span', { class: 'nums', text: `${fmt(s.done)}/${fmt(total)} · ${fmtRate(s.imagesPerSecond)}/s` }),
      );
    }),
  );

  const history = state.history.get(run.id) ?? [];
  const stages = run.stages.map((s) => s.stage).filter((stage) => selected.has(stage));
  drawThroughputChart($('chart'), history, stages);
  $('chart-legend').replaceChildren(...stages.map((stage) => el('span', {}, el('i', { class: 'sw', style: { background: stageColour(stage) } }), stage)));
}

async function refreshSamples(run) {
  // Samples are images through the last per-image stage: look again when any stage made progress.
  const stamp = `${run.id}:${run.stages.reduce((sum, s) => sum + s.done, 0)}`;
  if (stamp === state.samplesStamp || (state.samples.length >= SAMPLE_STRIP && state.samplesStamp.startsWith(`${run.id}:`))) return;
  state.samplesStamp = stamp;
  const { samples } = await api(`/v1/runs/${run.id}/samples?limit=${SAMPLE_STRIP}`);
  state.samples = samples;
  $('samples-count').textContent = samples.length ? `first ${samples.length}` : '';
  const strip = $('samples');
  const known = new Set([...strip.children].map((node) => node.dataset.imageId));
  if (samples.length === 0) {
    strip.replaceChildren(el('p', { class: 'muted small empty-note', text: 'Samples appear as images finish the pipeline.' }));
    return;
  }
  if (strip.querySelector('.empty-note')) strip.replaceChildren();
  samples.forEach((sample, i) => {
    if (known.has(sample.imageId)) return;
    const img = el('img', { alt: baseName(sample.input), loading: 'lazy' });
    strip.append(el('button', { class: 'sample', 'data-image-id': sample.imageId, onclick: () => openViewer(i) }, img, el('span', { class: 'caption', text: baseName(sample.input) })));
    void thumbnail(sample).then((url) => { img.src = url; }).catch(() => {});
  });
}

async function thumbnail(sample) {
  if (!state.thumbs.has(sample.imageId)) state.thumbs.set(sample.imageId, blobUrl(sample.pictures.overlay));
  return state.thumbs.get(sample.imageId);
}

async function refreshFailures(run) {
  const stamp = `${run.id}:${run.totals.failed}`;
  if (stamp === state.failuresStamp) return;
  state.failuresStamp = stamp;
  $('failures-count').textContent = run.totals.failed ? `(${fmt(run.totals.failed)})` : '';
  const body = $('failures');
  if (run.totals.failed === 0) {
    body.replaceChildren(el('tr', { class: 'none' }, el('td', { colspan: 6, text: 'No failures. Every image so far went through.' })));
    return;
  }
  const { failures } = await api(`/v1/runs/${run.id}/failures?limit=100`);
  body.replaceChildren(
    ...failures.map((f) =>
      el(
        'tr',
        {},
        el('td', { class: 'mono', text: f.imageId.slice(0, 10) }),
        el('td', { text: baseName(f.input), title: f.input }),
        el('td', { text: f.stage }),
        el('td', { class: 'mono code', text: f.code }),
        el('td', { text: f.message }),
        el('td', { class: 'muted', text: fmtAgo(f.at) }),
      ),
    ),
  );
}

async function refreshDataset(run) {
  if (run.status !== 'completed' || state.datasetShownFor === run.id) return;
  state.datasetShownFor = run.id;
  const dataset = await api(`/v1/runs/${run.id}/dataset`);
  $('dataset-card').hidden = false;
  $('dataset').replaceChildren(
    el('p', { class: 'muted small', text: `${fmt(dataset.records)} records · ${fmt(dataset.qaPairs)} QA pairs` }),
    el(
      'ul',
      { class: 'dataset-files' },
      ...dataset.files.map((file) =>
        el('li', {}, el('a', { href: file.url, onclick: (event) => download(event, file) , text: file.path }), el('span', { class: 'bytes', text: fmtBytes(file.bytes) })),
      ),
    ),
  );
}

/** Files served by this service need the bearer token, so they are fetched and saved from a blob. */
async function download(event, file) {
  if (!file.url.startsWith('/')) return;
  event.preventDefault();
  const url = await blobUrl(file.url);
  const link = el('a', { href: url, download: baseName(file.path) });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

$('cancel-button').addEventListener('click', async () => {
  if (!state.run || !confirm(`Cancel run ${state.run.id}?`)) return;
  await api(`/v1/runs/${state.run.id}/cancel`, { method: 'POST' });
  await refreshRun();
});
$('retry-button').addEventListener('click', async () => {
  if (!state.run) return;
  await api(`/v1/runs/${state.run.id}/retry`, { method: 'POST' });
  state.failuresStamp = '';
  await refreshRun();
});
$('dataset-button').addEventListener('click', () => $('dataset-card').scrollIntoView({ behavior: 'smooth' }));

// ---------- sample viewer ----------

function releaseViewerUrls() {
  for (const url of state.viewer.urls) URL.revokeObjectURL(url);
  state.viewer.urls = [];
}

async function openViewer(index) {
  const sample = state.samples[index];
  if (!sample || !state.run) return;
  state.viewer.index = index;
  releaseViewerUrls();
  const dialog = $('viewer');
  if (!dialog.open) dialog.showModal();
  $('viewer-title').textContent = baseName(sample.input);
  $('viewer-subtitle').textContent = sample.imageId;
  $('viewer-prev').disabled = index === 0;
  $('viewer-next').disabled = index >= state.samples.length - 1;
  for (const id of ['pic-overlay', 'pic-depth', 'pic-topdown']) $(id).removeAttribute('src');
  $('qa').replaceChildren();

  const load = async (id, path) => {
    const figure = $(id).closest('figure');
    figure.hidden = !path;
    if (!path) return;
    try {
      const url = await blobUrl(path);
      state.viewer.urls.push(url);
      if (state.viewer.index === index) $(id).src = url;
    } catch (err) {
      $(id).alt = `unavailable: ${err.message}`;
    }
  };
  const detail = api(`/v1/runs/${state.run.id}/samples/${sample.imageId}`);
  await Promise.all([
    load('pic-overlay', sample.pictures.overlay),
    load('pic-depth', sample.pictures.depth),
    load('pic-topdown', sample.pictures.topdown),
    detail.then((d) => {
      if (state.viewer.index !== index) return;
      const scene = d.scene;
      if (scene) {
        const height = scene.camera?.height;
        $('viewer-subtitle').textContent = `${sample.imageId} · ${scene.objects.length} objects${scene.dropped?.length ? ` (${scene.dropped.length} left out)` : ''} · ${scene.canonical ? `floor found${height ? `, camera ${height.toFixed(2)} m up` : ''}` : 'no floor found'} · intrinsics: ${scene.camera.intrinsicsSource}`;
      }
      state.viewer.qa = d.qa;
      renderQa();
    }),
  ]);
}

function renderQa() {
  const all = state.viewer.qa;
  const categories = ['all', ...new Set(all.map((q) => q.category))];
  if (!categories.includes(state.viewer.filter)) state.viewer.filter = 'all';
  $('qa-filters').replaceChildren(
    ...categories.map((c) => {
      const count = c === 'all' ? all.length : all.filter((q) => q.category === c).length;
      return el('button', { class: `chip ${state.viewer.filter === c ? 'on' : ''}`, onclick: () => { state.viewer.filter = c; renderQa(); }, text: `${c} ${count}` });
    }),
  );
  const shown = state.viewer.filter === 'all' ? all : all.filter((q) => q.category === state.viewer.filter);
  $('qa-count').textContent = `(${all.length})`;
  $('qa').replaceChildren(
    ...shown.map((q) =>
      el(
        'li',
        { 'data-qa-type': q.type },
        el('div', { class: 'q', text: q.question }),
        el('div', { class: 'a', text: q.answer }),
        q.steps?.length ? el('ol', { class: 'steps' }, ...q.steps.map((s) => el('li', { text: s.text }))) : undefined,
        el('div', { class: 'meta' }, el('span', { class: `cat ${q.category}`, text: q.category }), el('span', { text: q.type }), el('span', { text: factText(q.fact) })),
      ),
    ),
  );
  if (all.length === 0) $('qa').append(el('li', { class: 'muted', text: 'No QA for this image (too few unambiguous objects).' }));
}

function factText(fact) {
  const value = typeof fact.value === 'number' && !['clock_direction'].includes(fact.predicate) ? `${fact.value.toFixed(3)} m` : JSON.stringify(fact.value);
  return `= ${value}`;
}

$('viewer-close').addEventListener('click', () => $('viewer').close());
$('viewer').addEventListener('close', () => {
  state.viewer.index = -1;
  releaseViewerUrls();
});
$('viewer').addEventListener('click', (event) => {
  if (event.target === $('viewer')) $('viewer').close();
});
$('viewer-prev').addEventListener('click', () => openViewer(state.viewer.index - 1));
$('viewer-next').addEventListener('click', () => openViewer(state.viewer.index + 1));
document.addEventListener('keydown', (event) => {
  if (!$('viewer').open) return;
  if (event.key === 'ArrowLeft' && state.viewer.index > 0) openViewer(state.viewer.index - 1);
  if (event.key === 'ArrowRight' && state.viewer.index < state.samples.length - 1) openViewer(state.viewer.index + 1);
});

// ---------- start ----------

$('token-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = $('token-input').value.trim();
  if (token && !(await connect(token))) $('token-form').classList.add('invalid');
  $('token-input').value = '';
});
$('sign-out').addEventListener('click', () => {
  localStorage.removeItem(TOKEN_KEY);
  state.token = '';
  state.selectedId = undefined;
  $('run-detail').hidden = true;
  $('empty').hidden = false;
  $('runs').replaceChildren();
  $('workers').replaceChildren();
  signedOut();
});

async function poll() {
  if (state.principal && document.visibilityState !== 'hidden') {
    try {
      if (state.ticks % LIST_POLL_EVERY === 0) await Promise.all([refreshRuns(), refreshWorkers()]);
      await refreshRun();
      setConnection('live', 'live');
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401) setConnection('error', `retrying: ${err.message}`);
    }
    state.ticks++;
  }
  setTimeout(poll, RUN_POLL_MS);
}

// A token may arrive as ?token=… (a link from the CLI); it moves to localStorage and leaves the address bar.
const params = new URLSearchParams(location.search);
const fromUrl = params.get('token');
if (fromUrl) {
  params.delete('token');
  history.replaceState(null, '', `${location.pathname}${params.size ? `?${params}` : ''}${location.hash}`);
}
const saved = fromUrl ?? localStorage.getItem(TOKEN_KEY);
if (saved) await connect(saved);
else signedOut();
const runFromHash = location.hash.match(/^#run=(.+)$/)?.[1];
if (runFromHash && state.principal) selectRun(decodeURIComponent(runFromHash));
poll();
