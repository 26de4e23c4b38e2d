// The real-time YOLO seed's viewer: each annotated frame arrives as a frame_metadata text message followed by the
// JPEG as a binary message; it is drawn on a canvas through an ImageBitmap. Frames lost because this viewer fell
// behind are counted by the server and shown.
'use strict';

const view = { frames: 0, lost: 0, meta: null, sessionId: null, fps: 0, rendered: 0 };
window.viewerState = view;

let times = [];

function render() {
  SI.text(SI.$('frames'), view.frames);
  SI.text(SI.$('lost'), view.lost);
  SI.text(SI.$('vfps'), view.fps.toFixed(1));
  if (view.meta) {
    SI.text(SI.$('proc'), view.meta.processing_time_ms.toFixed(1) + ' ms');
    SI.text(SI.$('dets'), view.meta.detections);
  }
}

async function frame(data) {
  const meta = view.meta;
  view.frames++;
  const now = performance.now();
  times.push(now);
  times = times.filter((t) => now - t < 2000);
  view.fps = times.length / 2;
  const bitmap = await createImageBitmap(new Blob([data], { type: 'image/jpeg' }));
  const c = SI.$('view');
  if (c.width !== bitmap.width || c.height !== bitmap.height) {
    c.width = bitmap.width;
    c.height = bitmap.height;
  }
  c.getContext('2d').drawImage(bitmap, 0, 0);
  bitmap.close();
  view.rendered++;
  if (meta) {
    view.lost = meta.frames_lost;
  }
  render();
}

function connect() {
  const sid = new URLSearchParams(location.search).get('session_id');
  const ws = new WebSocket(SI.wsUrl('/stream/view' + (sid ? '?session_id=' + encodeURIComponent(sid) : '')));
  ws.binaryType = 'arraybuffer';
  ws.onmessage = (ev) => {
    if (typeof ev.data !== 'string') {
      frame(ev.data);
      return;
    }
    const m = JSON.parse(ev.data);
    if (m.type === 'frame_metadata') {
      view.meta = m;
      view.sessionId = m.session_id;
      SI.text(SI.$('session'), 'session ' + m.session_id.slice(0, 8));
    } else if (m.type === 'viewer_connected') {
      SI.text(SI.$('status'), 'connected as ' + m.viewer_id + (m.following ? ' (following the ' + m.following + ')' : ''));
    } else if (m.type === 'camera_closed') {
      SI.text(SI.$('status'), 'camera ' + m.session_id.slice(0, 8) + ' closed; waiting for the next one');
    }
  };
  ws.onclose = (ev) => {
    SI.text(SI.$('status'), 'closed (' + ev.code + '); reconnecting…');
    setTimeout(connect, 1000);
  };
}

document.addEventListener('DOMContentLoaded', async () => {
  await SI.signIn();
  connect();
});
