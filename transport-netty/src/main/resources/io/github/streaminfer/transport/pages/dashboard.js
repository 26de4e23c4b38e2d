// The dashboard: live session statistics from GET /dashboard/events (SSE), and an EMG stream panel over
// POST /infer/stream (the EMG seed's dashboard: prediction, latency, distribution, event log).
'use strict';

const state = { selected: null, snapshots: 0, sessions: [], emgEvents: 0 };
window.dashboardState = state;

const charts = {};
window.dashboardCharts = charts;
const STAGES = ['queue_wait', 'preprocess', 'inference', 'postprocess', 'end_to_end'];

function totalOf(o) {
  return Object.values(o || {}).reduce((a, b) => a + b, 0);
}

function row(cells, cls) {
  const tr = document.createElement('tr');
  if (cls) { tr.className = cls; }
  for (const c of cells) {
    const td = document.createElement('td');
    td.textContent = c;
    tr.appendChild(td);
  }
  return tr;
}

function resetCharts(actionAxes, label) {
  charts.fps = new SI.Chart(SI.$('fps'), ['fps', 'target'], { unit: '' });
  charts.latency = new SI.Chart(SI.$('latency'), ['e2e p50', 'e2e p99', 'inference p99'], { unit: ' ms' });
  charts.queue = new SI.Chart(SI.$('queue'), ['queue depth', 'drops/s', 'errors/s'], {});
  const axes = [];
  for (let i = 0; i < (actionAxes || 0); i++) { axes.push((label || 'axis') + ' ' + i); }
  charts.actions = new SI.Chart(SI.$('actions'), axes.length ? axes : ['(no actions)'], { min: null });
  charts.last = null;
}

function show(snapshot) {
  state.snapshots++;
  state.sessions = snapshot.sessions;
  SI.text(SI.$('conn'), 'live · ' + snapshot.sessions.length + ' session(s) · ' + snapshot.open_connections + ' connection(s)');
  const tbody = SI.$('sessions');
  tbody.replaceChildren();
  SI.$('none').hidden = snapshot.sessions.length > 0;
  if (!snapshot.sessions.some((s) => s.session_id === state.selected)) {
    const pick = snapshot.sessions.find((s) => s.endpoint !== 'signal') || snapshot.sessions[0];
    state.selected = pick ? pick.session_id : null;
    resetCharts(pick && (pick.action || pick.output) ? (pick.action || pick.output).length : 0,
      pick && pick.action ? 'axis' : 'output');
  }
  for (const s of snapshot.sessions) {
    const e2e = s.latency_ms ? s.latency_ms.end_to_end.p99 : 0;
    const tr = row([s.session_id.slice(0, 8), s.endpoint, s.state, s.fps ?? '–', e2e, s.queue_depth ?? '–',
      totalOf(s.drops), totalOf(s.errors)], 'clickable' + (s.session_id === state.selected ? ' selected' : ''));
    tr.addEventListener('click', () => {
      state.selected = s.session_id;
      resetCharts(s.action || s.output ? (s.action || s.output).length : 0, s.action ? 'axis' : 'output');
    });
    tbody.appendChild(tr);
  }
  const s = snapshot.sessions.find((x) => x.session_id === state.selected);
  if (!s || !s.latency_ms) {
    return;
  }
  SI.text(SI.$('sel'), s.endpoint + ' ' + s.session_id.slice(0, 8));
  charts.fps.push([s.fps, s.target_fps || 0]);
  const l = s.latency_ms;
  charts.latency.push([l.end_to_end.p50, l.end_to_end.p99, l.inference.p99]);
  const drops = totalOf(s.drops);
  const errors = totalOf(s.errors);
  const prev = charts.last || { drops, errors };
  const perSecond = 1000 / 500;
  charts.queue.push([s.queue_depth, (drops - prev.drops) * perSecond, (errors - prev.errors) * perSecond]);
  charts.last = { drops, errors };
  const st = SI.$('stages');
  st.replaceChildren();
  for (const name of STAGES) {
    const x = l[name];
    st.appendChild(row([name, x.p50, x.p90, x.p99, x.mean, x.count]));
  }
  const d = SI.$('drops');
  d.replaceChildren();
  for (const [k, v] of Object.entries(s.drops)) { d.appendChild(row(['dropped: ' + k, v])); }
  for (const [k, v] of Object.entries(s.errors)) { d.appendChild(row(['error: ' + k, v])); }
  if (s.camera) {
    for (const [k, v] of Object.entries(s.camera)) { d.appendChild(row(['camera: ' + k, v])); }
  }
  const safety = SI.$('safety');
  if (s.safety) {
    safety.className = s.safety.estop ? 'bad' : 'ok';
    SI.text(safety, 'e-stop ' + (s.safety.estop ? 'LATCHED' : 'clear') + ' · interventions ' +
      (s.safety.interventions ?? '–') + ' · safety score ' + (s.safety.safety_score ?? '–'));
  } else {
    safety.className = 'muted';
    SI.text(safety, 'no safety state for this session');
  }
  const axes = s.action || s.output;
  if (axes) {
    if (charts.actions.names.length !== axes.length) { resetCharts(axes.length, s.action ? 'axis' : 'output'); }
    charts.actions.push(axes);
  }
}

function connectFeed() {
  const es = new EventSource('/dashboard/events');
  es.onmessage = (ev) => show(JSON.parse(ev.data));
  es.onerror = () => SI.text(SI.$('conn'), 'reconnecting…');
}

// ---- EMG panel: the seed's fetch-based SSE client.
let emgAbort = null;

function log(line) {
  const li = document.createElement('li');
  li.textContent = new Date().toLocaleTimeString() + ' ' + line;
  const ul = SI.$('log');
  ul.prepend(li);
  while (ul.children.length > 60) { ul.lastChild.remove(); }
}

const distribution = new Map();

function emgEvent(e) {
  if (e.error) { log('error: ' + e.error); return; }
  if (e.status) { log(e.status + ': ' + e.total_frames + ' frames, ' + e.avg_fps + ' fps'); return; }
  state.emgEvents++;
  SI.text(SI.$('emg-pred'), e.prediction);
  SI.text(SI.$('emg-conf'), (100 * e.confidence).toFixed(1) + ' %');
  SI.text(SI.$('emg-lat'), e.latency_ms.toFixed(3));
  distribution.set(e.prediction, (distribution.get(e.prediction) || 0) + 1);
  const total = [...distribution.values()].reduce((a, b) => a + b, 0);
  const box = SI.$('emg-dist');
  box.replaceChildren();
  for (const k of [...distribution.keys()].sort((a, b) => a - b)) {
    const line = document.createElement('div');
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.style.width = Math.round(300 * distribution.get(k) / total) + 'px';
    line.append('class ' + k + ' ', bar, ' ' + distribution.get(k));
    box.appendChild(line);
  }
  if (state.emgEvents % 20 === 1) { log('frame ' + e.frame + ': class ' + e.prediction + ' (' + (100 * e.confidence).toFixed(0) + ' %)'); }
}

async function startEmg() {
  emgAbort = new AbortController();
  SI.$('emg-start').disabled = true;
  SI.$('emg-stop').disabled = false;
  SI.text(SI.$('emg-status'), 'streaming');
  try {
    const r = await fetch('/infer/stream', {
      method: 'POST', credentials: 'same-origin', signal: emgAbort.signal,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ duration_seconds: null, fps: 20, preprocess: false }),
    });
    if (!r.ok) {
      log('stream refused: ' + r.status + ' ' + (await r.text()));
      return;
    }
    const reader = r.body.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) { break; }
      buffered += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffered.indexOf('\n\n')) >= 0) {
        const event = buffered.slice(0, cut);
        buffered = buffered.slice(cut + 2);
        if (event.startsWith('data: ')) { emgEvent(JSON.parse(event.slice(6))); }
      }
    }
  } catch (err) {
    if (err.name !== 'AbortError') { log('stream failed: ' + err.message); }
  } finally {
    SI.$('emg-start').disabled = false;
    SI.$('emg-stop').disabled = true;
    SI.text(SI.$('emg-status'), 'idle');
  }
}

document.addEventListener('DOMContentLoaded', async () => {
  resetCharts(0);
  await SI.signIn();
  connectFeed();
  SI.$('emg-start').addEventListener('click', startEmg);
  SI.$('emg-stop').addEventListener('click', () => emgAbort && emgAbort.abort());
});
