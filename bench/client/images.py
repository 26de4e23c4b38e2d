"""Test frames: a few distinct 320×240 JPEGs made with OpenCV, as the seed's clients send them."""
from __future__ import annotations

import base64

import cv2
import numpy as np

WIDTH, HEIGHT = 320, 240


def jpeg_frames(count: int = 4, quality: int = 85) -> list[bytes]:
    """``count`` different JPEGs: a gradient, a moving block and noise, so no two decode alike."""
    rng = np.random.default_rng(7)
    x = np.linspace(0, 255, WIDTH, dtype=np.float32)[None, :]
    y = np.linspace(0, 255, HEIGHT, dtype=np.float32)[:, None]
    frames = []
    for i in range(count):
        img = np.empty((HEIGHT, WIDTH, 3), dtype=np.uint8)
        img[..., 0] = ((x + 40 * i) % 256).astype(np.uint8)
        img[..., 1] = ((y + 60 * i) % 256).astype(np.uint8)
        img[..., 2] = ((x + y) / 2 % 256).astype(np.uint8)
        cx = 40 + 60 * i
        cv2.rectangle(img, (cx, 80), (cx + 50, 150), (0, 0, 255), -1)
        noise = rng.integers(0, 24, size=img.shape, dtype=np.uint8)
        img = cv2.add(img, noise)
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if not ok:
            raise RuntimeError("OpenCV could not encode a JPEG")
        frames.append(buf.tobytes())
    return frames


def data_url(jpeg: bytes) -> str:
    """The seed's ``image`` field: ``data:image/jpeg;base64,...``."""
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")
