#!/usr/bin/env python3
"""A VLA streaming client that speaks the protocol exactly as the VLA seed documents it.

Usage: vla_client.py WS_URL API_KEY JPEG_PATH FRAMES

Connects, authenticates, streams FRAMES frames at target_fps (data-URL JPEG, instruction, robot_state pose/velocity),
receives one action per frame, sends one frame with NaN in robot_state.pose and expects an error carrying
its frame_id, asks for stats, closes, and expects the final stats and close code 1000.
Prints one JSON summary line; exit status 0 on success, 1 with a reason otherwise.
"""
import asyncio
import base64
import json
import sys

import websockets

ACTION_FIELDS = {"type", "frame_id", "timestamp", "action", "safety_score", "latency_ms", "smoothed"}
STATS_FIELDS = {"type", "session_id", "runtime_seconds", "total_frames", "dropped_frames", "drop_rate_percent",
                "target_fps", "actual_fps", "avg_latency_ms", "frame_queue_size", "action_queue_size"}


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


async def recv_json(ws, timeout=5.0):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def run(url, api_key, jpeg_path, frames):
    with open(jpeg_path, "rb") as f:
        image = "data:image/jpeg;base64," + base64.b64encode(f.read()).decode("ascii")
    summary = {"actions": 0, "errors": 0}
    async with websockets.connect(url, max_size=None) as ws:
        await ws.send(json.dumps({
            "type": "auth",
            "api_key": api_key,
            "model": "openvla-7b",
            "robot_type": "franka_panda",
            "target_fps": 10,
            "enable_smoothing": True,
            "enable_safety": True,
        }))
        connected = await recv_json(ws)
        check(connected.get("type") == "connected", "expected connected, got %r" % connected)
        check(connected.get("status") == "ready", "status %r" % connected.get("status"))
        for k in ("model", "target_fps", "smoothing", "safety"):
            check(k in connected["config"], "connected.config lacks %s" % k)
        summary["session_id"] = connected["session_id"]

        loop = asyncio.get_running_loop()
        period = 1.0 / connected["config"]["target_fps"]
        next_send = loop.time()
        for i in range(1, frames + 1):
            # pace frames at target_fps, as a robot control loop does
            await asyncio.sleep(max(0.0, next_send - loop.time()))
            next_send += period
            await ws.send(json.dumps({
                "type": "frame",
                "image": image,
                "instruction": "pick up the red cube",
                "robot_state": {
                    "pose": [0.3, 0.0, 0.5, 0.0, 0.0, 0.0],
                    "velocity": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                },
            }))
            msg = await recv_json(ws)
            check(msg.get("type") == "action", "frame %d: expected action, got %r" % (i, msg))
            check(set(msg) >= ACTION_FIELDS, "action lacks %s" % (ACTION_FIELDS - set(msg)))
            check(msg["frame_id"] == i, "frame_id %r, expected %d" % (msg["frame_id"], i))
            check(isinstance(msg["action"], list) and len(msg["action"]) == 7, "action %r" % msg["action"])
            check(0.0 <= msg["safety_score"] <= 1.0, "safety_score %r" % msg["safety_score"])
            check(msg["latency_ms"] >= 0, "latency_ms %r" % msg["latency_ms"])
            summary["actions"] += 1

        # Python's json module writes NaN as a bare token; the server must name the field and the frame.
        await ws.send(json.dumps({
            "type": "frame",
            "image": image,
            "instruction": "pick up the red cube",
            "robot_state": {"pose": [float("nan"), 0, 0, 0, 0, 0], "velocity": [0, 0, 0, 0, 0, 0]},
        }))
        err = await recv_json(ws)
        check(err.get("type") == "error", "expected error for NaN, got %r" % err)
        check(err.get("frame_id") == frames + 1, "error frame_id %r" % err.get("frame_id"))
        check("pose" in err.get("message", ""), "error message %r" % err.get("message"))
        summary["errors"] += 1

        await ws.send(json.dumps({"type": "stats"}))
        stats = await recv_json(ws)
        check(stats.get("type") == "stats", "expected stats, got %r" % stats)
        check(set(stats) >= STATS_FIELDS, "stats lacks %s" % (STATS_FIELDS - set(stats)))
        check(stats["total_frames"] == frames + 1, "total_frames %r" % stats["total_frames"])

        await ws.send(json.dumps({"type": "close"}))
        final = await recv_json(ws)
        check(final.get("type") == "stats", "expected final stats, got %r" % final)
        try:
            extra = await asyncio.wait_for(ws.recv(), 5.0)
            raise Failure("unexpected message after final stats: %r" % extra)
        except websockets.exceptions.ConnectionClosed:
            pass
        check(ws.close_code == 1000, "close code %r" % ws.close_code)
        summary["close_code"] = ws.close_code
    return summary


def main():
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        summary = asyncio.run(run(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
    except (Failure, asyncio.TimeoutError, OSError, websockets.exceptions.WebSocketException) as e:
        print(json.dumps({"ok": False, "reason": "%s: %s" % (type(e).__name__, e)}))
        return 1
    summary["ok"] = True
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
