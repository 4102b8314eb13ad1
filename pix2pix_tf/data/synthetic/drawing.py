"""Anti-aliased OpenCV drawing in fixed point, and the smooth shading of skin."""

from __future__ import annotations

import functools

import cv2
import numpy as np

from pix2pix_tf.data.synthetic.params import _SHADE_DOWN, _SHIFT, FaceParams


def _fixed(points) -> np.ndarray:
    return np.round(np.asarray(points, np.float64) * (1 << _SHIFT)).astype(np.int32)


def _rgba(rgb, k: float = 1.0) -> tuple[float, float, float, float]:
    r, g, b = (min(255.0, 255.0 * c * k) for c in rgb)
    return (r, g, b, 255.0)


def _fill(img, points, rgb, k: float = 1.0) -> None:
    cv2.fillPoly(img, [_fixed(points)], _rgba(rgb, k), cv2.LINE_AA, _SHIFT)


def _line(img, points, rgb, thickness: float, k: float = 1.0, closed: bool = False) -> None:
    t = max(1, int(round(thickness)))
    cv2.polylines(img, [_fixed(points)], closed, _rgba(rgb, k), t, cv2.LINE_AA, _SHIFT)


@functools.lru_cache(maxsize=8)
def _unit_circle(n: int) -> np.ndarray:
    t = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    return np.stack([np.cos(t), np.sin(t)], 1)


def _ellipse(cx, cy, ax, ay, n: int = 32) -> np.ndarray:
    return _unit_circle(n) * (ax, ay) + (cx, cy)


def _arc(cx, cy, ax, ay, t0, t1, n: int = 16) -> np.ndarray:
    t = np.linspace(t0, t1, n)
    return np.stack([cx + ax * np.cos(t), cy + ay * np.sin(t)], 1)


def _shoulders(cx, cy, ax, ay) -> np.ndarray:
    """Top half of an ellipse carried down past the bottom of any image."""
    top = _arc(cx, cy, ax, ay, np.pi, 2 * np.pi, 24)
    return np.concatenate([top, [(cx + ax, cy + 20 * ay), (cx - ax, cy + 20 * ay)]])


def _eye_shape(x0, x1, yc, up, down, n: int = 14):
    """Upper and lower lid curves of an almond spanning x0..x1."""
    xs = np.linspace(x0, x1, n)
    s = np.maximum(np.sin(np.pi * (xs - x0) / (x1 - x0)), 0.0) ** 0.8
    return xs, yc - up * s, yc + down * s


def _eye(img, p: FaceParams, xs, top, bottom, iris_x, iris_y, iris_rx, iris_ry, lid_t) -> None:
    """White, iris and pupil clipped to the lids, then the dark upper lid line."""
    white = np.concatenate([np.stack([xs, top], 1), np.stack([xs, bottom], 1)[::-1]])
    # Bright whites in a dark face fight the detector's dark-eye-band cue; the
    # dimming also mimics a camera exposing for the skin.
    _fill(img, white, (0.93, 0.91, 0.88), min(1.0, 0.62 + sum(p.skin) / 3))
    for rx, ry, rgb in (
        (iris_rx, iris_ry, p.iris_colour),
        (0.5 * iris_rx, 0.5 * iris_ry, (0.04,) * 3),
    ):
        ring = _ellipse(iris_x, iris_y, rx, ry, 24)
        # Clamping a circle vertically into the almond traces their intersection.
        ring[:, 1] = np.clip(
            ring[:, 1], np.interp(ring[:, 0], xs, top), np.interp(ring[:, 0], xs, bottom)
        )
        _fill(img, ring, rgb)
    _line(img, np.stack([xs, top], 1), (0.08, 0.06, 0.05), lid_t)


def _band(xs, ys, thickness) -> np.ndarray:
    """Polygon of a stroke along (xs, ys) with a per-point vertical thickness."""
    return np.concatenate(
        [np.stack([xs, ys - thickness / 2], 1), np.stack([xs, ys + thickness / 2], 1)[::-1]]
    )


def _smooth(points: np.ndarray, iterations: int = 2) -> np.ndarray:
    """Chaikin corner cutting of a closed polygon."""
    for _ in range(iterations):
        nxt = np.roll(points, -1, 0)
        points = np.stack([0.75 * points + 0.25 * nxt, 0.25 * points + 0.75 * nxt], 1).reshape(
            -1, 2
        )
    return points


@functools.lru_cache(maxsize=16)
def _grid(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Internal-pixel coordinates of the low-resolution shading grid."""
    h, w = max(4, height // _SHADE_DOWN), max(4, width // _SHADE_DOWN)
    ys = (np.arange(h, dtype=np.float32) + 0.5) * (height / h) - 0.5
    xs = (np.arange(w, dtype=np.float32) + 0.5) * (width / w) - 0.5
    return xs[None, :], ys[:, None]


def _shade(height, width, light, cx, cy, ax, ay, blobs) -> np.ndarray:
    """Lambert shading of an ellipsoid plus soft light/dark blobs, full size.

    Args:
        height, width: Internal render size.
        light: Unit light vector (x right, y down, z towards the camera).
        cx, cy, ax, ay: Centre and semi-axes of the ellipsoid in pixels.
        blobs: ``(x, y, sx, sy, amount)`` Gaussians; negative amounts darken.
    """
    gx, gy = _grid(height, width)
    u = (gx - cx) / ax
    v = (gy - cy) / ay
    r2 = u * u + v * v
    # Outside the ellipsoid (ears, neck, hair) keep the rim's normal.
    k = np.sqrt(np.minimum(1.0, 0.97 / np.maximum(r2, 1e-6)))
    u, v = u * k, v * k
    z = np.sqrt(np.maximum(0.0, 1.0 - u * u - v * v))
    lam = np.clip(u * light[0] + v * light[1] + z * light[2], 0.0, 1.0)
    shade = 0.38 + 0.72 * lam
    # Away from the head (neck, long hair, shoulders) fade to a flat, dimmer light.
    far = np.clip((np.sqrt(r2) - 1.0) / 0.35, 0.0, 1.0)
    shade += (0.8 - shade) * far
    for bx, by, sx, sy, amount in blobs:
        # Axis-aligned Gaussians are separable: an outer product of two 1-D ones.
        shade += (amount * np.exp(-(((gy - by) / sy) ** 2))) * np.exp(-(((gx - bx) / sx) ** 2))
    return cv2.resize(shade.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)


# --- the two views ---------------------------------------------------------------------
