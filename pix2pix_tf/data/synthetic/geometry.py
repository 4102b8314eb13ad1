"""Where a face sits in the image: its frame, exact landmarks and face box."""

from __future__ import annotations

import dataclasses

import numpy as np

from pix2pix_tf.data.synthetic.params import _SEAM, MIN_SIZE, FaceParams


def _check_size(image_size) -> tuple[int, int]:
    if isinstance(image_size, (int, np.integer)) and not isinstance(image_size, bool):
        image_size = (image_size, image_size)
    try:
        height, width = (int(s) for s in image_size)
        ok = (height, width) == tuple(image_size)
    except (TypeError, ValueError):
        ok = False
    if not ok or min(height, width) < MIN_SIZE:
        raise ValueError(
            f"image_size must be an int or a (height, width) pair of ints >= {MIN_SIZE}, "
            f"got {image_size!r}."
        )
    return height, width


@dataclasses.dataclass(frozen=True)
class _Frame:
    """Where the head sits in pixels: centre, half-sizes and the scale unit."""

    cx: float
    cy: float
    hw: float
    hh: float
    scale: int  # internal render size / output size


def _frame(params: FaceParams, height: int, width: int, scale: int = 1) -> _Frame:
    unit = min(height, width)
    cx = (width - 1) / 2 + params.head_x * unit
    cy = (height - 1) / 2 + params.head_y * unit
    # Pixel centres of an area-downscaled image sit at scale * x + (scale - 1) / 2.
    off = (scale - 1) / 2
    return _Frame(
        cx=cx * scale + off,
        cy=cy * scale + off,
        hw=params.head_w * unit * scale,
        hh=params.head_h * unit * scale,
        scale=scale,
    )


def face_landmarks(params: FaceParams, image_size=(256, 256)) -> dict[str, tuple[float, float]]:
    """Five CelebA-style landmarks of the front view, in output pixels.

    Args:
        params: The person.
        image_size: ``(height, width)`` of the image, or an int for a square.

    Returns:
        ``{name: (x, y)}`` for ``left_eye``, ``right_eye``, ``nose``, ``mouth_left``
        and ``mouth_right``; left and right as seen in the image.
    """
    height, width = _check_size(image_size)
    f = _frame(params, height, width)
    p = params
    eye_y = f.cy + p.eye_y * f.hh
    mouth_y = f.cy + (p.mouth_y - p.smile + _SEAM) * f.hh  # the ends of the lip seam
    return {
        "left_eye": (f.cx - p.eye_dx * f.hw, eye_y),
        "right_eye": (f.cx + p.eye_dx * f.hw, eye_y),
        "nose": (f.cx, f.cy + p.nose_y * f.hh),
        "mouth_left": (f.cx - p.mouth_w * f.hw, mouth_y),
        "mouth_right": (f.cx + p.mouth_w * f.hw, mouth_y),
    }


def face_box(params: FaceParams, image_size=(256, 256)) -> tuple[int, int, int, int]:
    """Face bounding box ``(x, y, w, h)`` of the front view, in output pixels.

    The box spans cheek to cheek and mid-forehead to chin, like a face detector's
    box, clipped to the image.

    Args:
        params: The person.
        image_size: ``(height, width)`` of the image, or an int for a square.

    Returns:
        Integer ``(x, y, w, h)``.
    """
    height, width = _check_size(image_size)
    f = _frame(params, height, width)
    x0 = max(0, int(round(f.cx - 0.95 * f.hw)))
    x1 = min(width, int(round(f.cx + 0.95 * f.hw)))
    y0 = max(0, int(round(f.cy - 0.45 * f.hh)))
    y1 = min(height, int(round(f.cy + 1.02 * f.hh)))
    return x0, y0, x1 - x0, y1 - y0


# --- drawing helpers -------------------------------------------------------------------
