// The real-time YOLO seed's camera streamer: frames from the webcam (or a generated scene when there is none) go
// to the detection WebSocket as a frame_metadata text message followed by the JPEG as a binary message. The
// server's stream_feedback messages set the fps and JPEG quality, within bounds; every change is listed. Frames
// are sent at 320 x 240, the detector's input size: larger ones only cost decoding time.
'use strict';

const MIN_FPS = 1;
const MAX_FPS = 30;
const MAX_IN_FLIGHT = 4;

const cam = {
  fps: 15, quality: 0.8, sent: 0, answered: 0, dropped: 0, changes: [], sessionId: null,
  lastLatency: null, detections: 0, source: null, running: false, skipped: 0,
};
window.cameraState = cam;

let ws = null;
let timer = null;
const canvas = () => SI.$('preview');

async function openSource() {
  const params = new URLSearchParams(location.search);
  if (params.get('source') !== 'scene' && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
      const video = SI.$('video');
      video.srcObject = stream;
      await video.play();
      cam.source = 'webcam';
      return () => canvas().getContext('2d').drawImage(video, 0, 0, canvas().width, canvas().height);
    } catch (err) {
      note('no webcam (' + err.name + '): sending a generated scene');
    }
  }
  cam.source = 'scene';
  const t0 = performance.now();
  return () => {
    const g = canvas().getContext('2d');
    const t = (performance.now() - t0) / 1000;
    g.fillStyle = '#334';
    g.fillRect(0, 0, 320, 240);
    g.fillStyle = '#e8e8e8';
    g.fillRect(110 + 75 * Math.sin(t), 70, 60, 60);
    g.fillStyle = '#d35400';
    g.beginPath();
    g.arc(160 + 100 * Math.cos(t * 0.7), 180, 25, 0, 2 * Math.PI);
    g.fill();
    g.fillStyle = '#fff';
    g.font = '12px sans-serif';
    g.fillText('generated scene ' + t.toFixed(1) + ' s', 6, 16);
  };
}

function note(text) {
  const li = document.createElement('li');
  li.textContent = new Date().toLocaleTimeString() + ' ' + text;
  SI.$('changes').prepend(li);
}

function render() {
  SI.text(SI.$('fps'), cam.fps.toFixed(1));
  SI.text(SI.$('quality'), cam.quality.toFixed(2));
  SI.text(SI.$('sent'), cam.sent);
  SI.text(SI.$('answered'), cam.answered);
  SI.text(SI.$('dropped'), cam.dropped);
  SI.text(SI.$('pending'), cam.sent - cam.answered - cam.dropped);
  SI.text(SI.$('latency'), cam.lastLatency === null ? '–' : cam.lastLatency.toFixed(1) + ' ms');
  SI.text(SI.$('detections'), cam.detections);
  SI.text(SI.$('source'), cam.source || '');
}

function feedback(m) {
  const fps = Math.min(MAX_FPS, Math.max(MIN_FPS, m.recommended_fps));
  const quality = Math.min(0.95, Math.max(0.3, m.jpeg_quality));
  if (fps === cam.fps && quality === cam.quality) {
    return;
  }
  const change = { at: Date.now(), fromFps: cam.fps, toFps: fps, fromQuality: cam.quality, toQuality: quality, reason: m.reason };
  cam.changes.push(change);
  note('fps ' + cam.fps.toFixed(1) + ' → ' + fps.toFixed(1) + ', quality ' + cam.quality.toFixed(2) + ' → ' +
    quality.toFixed(2) + ' (' + m.reason + ')');
  cam.fps = fps;
  cam.quality = quality;
  render();
}

function onMessage(ev) {
  const m = JSON.parse(ev.data);
  if (m.type === 'connected') {
    cam.sessionId = m.session_id;
    SI.$('viewer-link').href = '/viewer?session_id=' + encodeURIComponent(m.session_id);
    SI.text(SI.$('status'), 'connected · session ' + m.session_id.slice(0, 8));
    schedule();
  } else if (m.type === 'detection_result') {
    cam.answered++;
    cam.lastLatency = m.data.processing_time_ms;
    cam.detections = m.data.detections.length;
  } else if (m.type === 'error') {
    if (m.frame_id !== undefined) {
      cam.dropped++;
    }
  } else if (m.type === 'stream_feedback') {
    feedback(m);
  }
  render();
}

function schedule() {
  clearTimeout(timer);
  if (!cam.running) {
    return;
  }
  timer = setTimeout(captureAndSend, 1000 / cam.fps);
}

let draw = null;

function captureAndSend() {
  draw();
  const inFlight = cam.sent - cam.answered - cam.dropped;
  if (ws.readyState !== WebSocket.OPEN || inFlight >= MAX_IN_FLIGHT || ws.bufferedAmount > 1 << 20) {
    cam.skipped++;
    schedule();
    return;
  }
  const c = canvas();
  c.toBlob(async (blob) => {
    if (!blob || ws.readyState !== WebSocket.OPEN) {
      schedule();
      return;
    }
    const frameNumber = cam.sent + 1;
    ws.send(JSON.stringify({ type: 'frame_metadata', timestamp: Date.now(), frameNumber,
      width: c.width, height: c.height, format: 'jpeg' }));
    ws.send(await blob.arrayBuffer());
    cam.sent++;
    render();
    schedule();
  }, 'image/jpeg', cam.quality);
}

function start() {
  cam.running = true;
  SI.$('start').disabled = true;
  SI.$('stop').disabled = false;
  ws = new WebSocket(SI.wsUrl('/stream/detection?adaptive=true&fps_limit=' + MAX_FPS));
  ws.binaryType = 'arraybuffer';
  ws.onmessage = onMessage;
  ws.onclose = (ev) => {
    SI.text(SI.$('status'), 'closed (' + ev.code + (ev.reason ? ': ' + ev.reason : '') + ')');
    cam.running = false;
    SI.$('start').disabled = false;
    SI.$('stop').disabled = true;
  };
}

function stop() {
  cam.running = false;
  clearTimeout(timer);
  if (ws) {
    ws.close(1000);
  }
}

document.addEventListener('DOMContentLoaded', async () => {
  await SI.signIn();
  draw = await openSource();
  render();
  SI.$('start').addEventListener('click', start);
  SI.$('stop').addEventListener('click', stop);
  if (new URLSearchParams(location.search).get('autostart') !== '0') {
    start();
  }
});
