// Shared by the StreamInfer pages: sign-in (the API key is sent once, in a header; the server answers with an
// HttpOnly cookie, so no page ever puts the key in a URL) and a small canvas line chart. No dependencies.
'use strict';

const SI = {};

SI.$ = (id) => document.getElementById(id);

SI.text = (el, value) => { el.textContent = value; };

// Resolves once requests are authorised: at once on a server without keys or with a valid sign-in cookie,
// otherwise after the user submits the key in the page's sign-in form (#login).
SI.signIn = async function () {
  const status = await (await fetch('/auth/status', { credentials: 'same-origin' })).json();
  if (!status.auth_required) {
    return;
  }
  const probe = await fetch('/dashboard/sessions', { credentials: 'same-origin' });
  if (probe.ok) {
    return;
  }
  const form = SI.$('login');
  form.hidden = false;
  return new Promise((resolve) => {
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const key = SI.$('login-key').value.trim();
      const r = await fetch('/auth/login', { method: 'POST', credentials: 'same-origin', headers: { 'X-API-Key': key } });
      if (r.ok) {
        SI.$('login-key').value = '';
        form.hidden = true;
        resolve();
      } else {
        SI.text(SI.$('login-error'), 'key refused (' + r.status + ')');
      }
    });
  });
};

SI.wsUrl = (path) => (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path;

// A line chart on a canvas: fixed number of points per series, redrawn on each push.
SI.Chart = class {
  constructor(canvas, seriesNames, opts) {
    this.canvas = canvas;
    this.names = seriesNames;
    this.opts = Object.assign({ points: 120, unit: '', min: 0 }, opts || {});
    this.series = seriesNames.map(() => []);
    this.updates = 0;
    this.colors = ['#2e86de', '#e67e22', '#27ae60', '#c0392b', '#8e44ad', '#16a085', '#f1c40f', '#7f8c8d'];
  }

  push(values) {
    values.forEach((v, i) => {
      const s = this.series[i];
      s.push(Number.isFinite(v) ? v : 0);
      if (s.length > this.opts.points) {
        s.shift();
      }
    });
    this.updates++;
    this.draw();
  }

  draw() {
    const c = this.canvas;
    const g = c.getContext('2d');
    const w = c.width;
    const h = c.height;
    g.clearRect(0, 0, w, h);
    let min = this.opts.min;
    let max = -Infinity;
    for (const s of this.series) {
      for (const v of s) {
        max = Math.max(max, v);
        if (this.opts.min === null) {
          min = Math.min(min === null ? v : min, v);
        }
      }
    }
    if (!Number.isFinite(max) || max === min) {
      max = (min || 0) + 1;
    }
    const pad = 28;
    g.strokeStyle = '#ddd';
    g.fillStyle = '#666';
    g.font = '10px sans-serif';
    for (let i = 0; i <= 4; i++) {
      const y = pad / 2 + (h - pad) * i / 4;
      g.beginPath();
      g.moveTo(pad, y);
      g.lineTo(w, y);
      g.stroke();
      g.fillText((max - (max - min) * i / 4).toFixed(max < 10 ? 2 : 0), 0, y + 3);
    }
    this.series.forEach((s, k) => {
      g.strokeStyle = this.colors[k % this.colors.length];
      g.lineWidth = 1.5;
      g.beginPath();
      s.forEach((v, i) => {
        const x = pad + (w - pad) * i / Math.max(1, this.opts.points - 1);
        const y = pad / 2 + (h - pad) * (1 - (v - min) / (max - min));
        if (i === 0) { g.moveTo(x, y); } else { g.lineTo(x, y); }
      });
      g.stroke();
      g.fillStyle = g.strokeStyle;
      g.fillText(this.names[k] + (s.length ? ' ' + s[s.length - 1].toFixed(2) + this.opts.unit : ''), pad + 4 + k * 110, h - 2);
    });
  }
};
