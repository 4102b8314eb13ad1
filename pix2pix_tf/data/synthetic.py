"""Procedural synthetic faces: the built-in offline dataset.

Each (seed, index) is one cartoon person, drawn with OpenCV as a front view and
a right-profile view on a plain mugshot background. The two views share every
identity choice (skin, hair, eyes, glasses, beard, proportions), so they form
the paired data for the front -> profile task. Landmarks and the face box of
the front view are exact, because we drew them.

Example:
    >>> faces = SyntheticFaces(num_faces=8, image_size=(64, 64), seed=0)
    >>> front, profile = faces.pair(3)
    >>> front.shape, front.dtype
    ((64, 64, 3), dtype('uint8'))
"""

from __future__ import annotations

import dataclasses
import functools

import cv2
import numpy as np

VIEWS = ("front", "profile")
MIN_SIZE = 16
HAIR_STYLES = ("short", "long", "bald", "buzz")
BEARD_STYLES = ("none", "full", "goatee", "stubble")
LANDMARK_NAMES = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")

# Small images are drawn at least this large and area-downscaled, so features
# of a pixel or two still anti-alias into something face-like.
_MIN_RENDER = 128
# cv2 drawing takes fixed-point coordinates with this many fractional bits.
_SHIFT = 4
# The shading map is smooth, so it is computed at 1/4 resolution and upsampled.
_SHADE_DOWN = 4
# The lip seam sits this far (units of head_h) below the mouth line.
_SEAM = 0.01

# sRGB anchors from very light to very dark skin; samples interpolate between them.
_SKIN_TONES = (
    np.array(
        [
            (255, 226, 204),
            (243, 204, 175),
            (230, 180, 145),
            (208, 150, 110),
            (176, 118, 82),
            (140, 90, 60),
            (108, 68, 46),
            (82, 52, 36),
        ],
        np.float64,
    )
    / 255.0
)
_HAIR_COLOURS = (
    np.array(
        [
            (22, 18, 16),  # black
            (52, 34, 24),  # dark brown
            (96, 62, 38),  # brown
            (150, 84, 40),  # auburn
            (196, 156, 92),  # blond
            (170, 166, 160),  # grey
            (225, 222, 214),  # white
        ],
        np.float64,
    )
    / 255.0
)
_HAIR_WEIGHTS = np.array([0.30, 0.24, 0.16, 0.08, 0.10, 0.08, 0.04])
_IRIS_COLOURS = (
    np.array(
        [(70, 42, 24), (40, 26, 18), (70, 110, 160), (80, 110, 70), (110, 88, 50), (100, 108, 115)],
        np.float64,
    )
    / 255.0
)
_IRIS_WEIGHTS = np.array([0.35, 0.25, 0.15, 0.09, 0.10, 0.06])


@dataclasses.dataclass(frozen=True)
class FaceParams:
    """Every random choice for one synthetic person, in normalised units.

    Lengths of the head are fractions of the image's shorter side; positions of
    features are relative to the head: vertical ones in units of ``head_h``
    (0 is the head centre, 1 the chin), horizontal ones in units of ``head_w``.
    Colours are RGB floats in [0, 1].
    """

    head_x: float  # head centre offset from the image centre, fraction of the shorter side
    head_y: float
    head_w: float  # half-width of the head, fraction of the shorter side
    head_h: float  # half-height of the head (crown to chin), fraction of the shorter side
    head_depth: float  # half-depth seen in profile, in units of head_w
    jaw: float  # how much the lower face narrows towards the chin, 0..1
    skin: tuple[float, float, float]
    light: tuple[float, float, float]  # unit vector towards the light, camera space
    background: tuple[float, float, float]
    background_gradient: float  # relative brightening from bottom to top
    shirt: tuple[float, float, float]
    hair_style: str
    hair_colour: tuple[float, float, float]
    hair_volume: float  # thickness of the hair cap, in units of head_h
    hairline: float  # height of the hairline above the head centre, units of head_h
    fringe: float  # 0 for none, else how far the fringe reaches down to the brows
    eye_y: float
    eye_dx: float  # half the distance between the eye centres, units of head_w
    eye_w: float  # half-width of an eye, units of head_w
    eye_h: float  # half-height of an eye, as a fraction of eye_w
    iris_colour: tuple[float, float, float]
    iris_r: float  # iris radius, fraction of the eye half-width
    brow_gap: float  # distance from eye centre to brow, units of head_h
    brow_thick: float  # units of head_h
    brow_tilt: float  # outer-end raise, units of head_h
    brow_colour: tuple[float, float, float]
    nose_y: float  # nose tip height
    nose_w: float  # half-width of the nostrils, units of head_w
    nose_len: float  # how far the nose sticks out in profile, units of head depth
    mouth_y: float
    mouth_w: float  # half-width of the mouth, units of head_w
    lip_h: float  # lip thickness, units of head_h
    lip_colour: tuple[float, float, float]
    smile: float  # corner raise, units of head_h (negative frowns)
    ear_w: float  # units of head_w
    ear_h: float  # units of head_h
    glasses: str  # "none", "round" or "square"
    glasses_colour: tuple[float, float, float]
    beard: str
    beard_colour: tuple[float, float, float]


class _Draws:
    """Maps one pre-drawn batch of uniforms to choices: one generator call per person."""

    def __init__(self, rng: np.random.Generator, n: int = 96):  # a person uses ~50
        self._u = rng.random(n).tolist()
        self._i = 0

    def __call__(self, lo: float = 0.0, hi: float = 1.0) -> float:
        value = self._u[self._i]
        self._i += 1
        return lo + (hi - lo) * value

    def vec(self, lo: float, hi: float, n: int = 3) -> np.ndarray:
        return np.array([self(lo, hi) for _ in range(n)])

    def choice(self, weights) -> int:
        cum = np.cumsum(weights)
        return min(int(np.searchsorted(cum, self(0.0, cum[-1]), side="right")), len(cum) - 1)


def _colour(rgb) -> tuple[float, float, float]:
    return tuple(float(c) for c in np.clip(rgb, 0.0, 1.0))


def sample_face_params(seed: int, index: int) -> FaceParams:
    """Draws the identity of person ``index`` of dataset ``seed``.

    Args:
        seed: Non-negative dataset seed.
        index: Non-negative person index; each index is a different person.

    Returns:
        The person's ``FaceParams``. Same arguments give the same person.

    Raises:
        ValueError: If ``seed`` or ``index`` is negative or not an integer.
    """
    for name, value in (("seed", seed), ("index", index)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}.")
    u = _Draws(np.random.default_rng([int(seed), int(index)]))

    t = u(0.0, len(_SKIN_TONES) - 1)
    lo = min(int(t), len(_SKIN_TONES) - 2)
    skin = _SKIN_TONES[lo] * (1 - (t - lo)) + _SKIN_TONES[lo + 1] * (t - lo)
    skin = skin * u.vec(0.95, 1.05)  # small hue jitter

    hair_style = HAIR_STYLES[u.choice([0.5, 0.3, 0.1, 0.1])]
    hair = _HAIR_COLOURS[u.choice(_HAIR_WEIGHTS)] * u(0.85, 1.15)
    # Brows stay darker than the skin so that they read as brows on every tone.
    brow = np.minimum(hair * (0.8 if hair.mean() < 0.5 else 0.6), skin * 0.55)

    light = np.array([u(-0.5, 0.5), u(-0.7, -0.25), 1.0])
    light /= np.linalg.norm(light)
    background = u(0.72, 0.9) + u.vec(-0.02, 0.02)
    shirt = (0.15, 0.35, 0.6, 0.85)[u.choice([1, 1, 1, 1])] * u.vec(0.6, 1.2)

    lip = skin * np.array([0.78, 0.52, 0.52]) * u(0.85, 1.0)
    glasses = ("none", "round", "square")[u.choice([0.7, 0.15, 0.15])]
    frame = np.array(((0.08, 0.08, 0.08), (0.35, 0.2, 0.1), (0.7, 0.6, 0.3))[u.choice([1, 1, 1])])
    frame = np.minimum(frame, skin * 0.7)  # frames darker than the skin frame the eyes
    beard = BEARD_STYLES[u.choice([0.7, 0.1, 0.1, 0.1])]
    if hair_style == "long" or u() < 0.4:
        beard = "none"  # keeps beards to roughly one person in six
    fringe = u(0.35, 0.75) if hair_style in ("short", "long") and u() < 0.35 else 0.0

    return FaceParams(
        head_x=u(-0.025, 0.025),
        head_y=u(-0.05, 0.0),
        head_w=u(0.2, 0.235),
        head_h=u(0.28, 0.31),
        head_depth=u(1.05, 1.2),
        jaw=u(0.15, 0.45),
        skin=_colour(skin),
        light=_colour(light),
        background=_colour(background),
        background_gradient=u(0.0, 0.15),
        shirt=_colour(shirt),
        hair_style=hair_style,
        hair_colour=_colour(hair),
        hair_volume=u(0.04, 0.12),
        hairline=u(0.5, 0.62),
        fringe=fringe,
        eye_y=u(-0.02, 0.06),
        eye_dx=u(0.36, 0.43),
        eye_w=u(0.15, 0.19),
        eye_h=u(0.45, 0.6),
        iris_colour=_colour(_IRIS_COLOURS[u.choice(_IRIS_WEIGHTS)]),
        iris_r=u(0.5, 0.6),
        brow_gap=u(0.13, 0.17),
        brow_thick=u(0.035, 0.06),
        brow_tilt=u(-0.02, 0.04),
        brow_colour=_colour(brow),
        nose_y=u(0.36, 0.44),
        nose_w=u(0.17, 0.24),
        nose_len=u(0.16, 0.26),
        mouth_y=u(0.64, 0.7),
        mouth_w=u(0.28, 0.36),
        lip_h=u(0.035, 0.06),
        lip_colour=_colour(lip),
        smile=u(-0.01, 0.04),
        ear_w=u(0.13, 0.18),
        ear_h=u(0.2, 0.26),
        glasses=glasses,
        glasses_colour=_colour(frame),
        beard=beard,
        beard_colour=_colour(hair * 0.9),
    )


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


def _draw_front(img, p: FaceParams, f: _Frame, height, width) -> np.ndarray:
    """Draws the front view onto ``img`` and returns its shading map."""
    cx, cy, hw, hh = f.cx, f.cy, f.hw, f.hh
    line = 0.012 * min(height, width)
    eye_y = cy + p.eye_y * hh
    nose_y = cy + p.nose_y * hh
    mouth_y = cy + p.mouth_y * hh
    ex, ew = p.eye_dx * hw, p.eye_w * hw
    neck_w = 0.52 * hw

    if p.hair_style == "long":
        back = np.concatenate(
            [
                _arc(cx, cy - 0.05 * hh, 1.18 * hw, 1.1 * hh, np.pi, 2 * np.pi),
                [(cx + 1.25 * hw, cy + 1.5 * hh), (cx - 1.25 * hw, cy + 1.5 * hh)],
            ]
        )
        _fill(img, back, p.hair_colour, 0.8)
    _fill(img, _shoulders(cx, cy + 2.05 * hh, 2.3 * hw, 0.75 * hh), p.shirt)
    _fill(
        img,
        [
            (cx - neck_w, cy + 0.4 * hh),
            (cx + neck_w, cy + 0.4 * hh),
            (cx + 1.1 * neck_w, cy + 1.45 * hh),
            (cx - 1.1 * neck_w, cy + 1.45 * hh),
        ],
        p.skin,
        0.88,
    )
    _fill(img, _arc(cx, cy + 1.36 * hh, 1.15 * neck_w, 0.16 * hh, 0, np.pi), p.shirt, 0.8)
    if p.hair_style != "long":
        ear_y = 0.5 * (eye_y + nose_y)
        for side in (-1, 1):
            ex0 = cx + side * 0.96 * hw
            _fill(img, _ellipse(ex0, ear_y, p.ear_w * hw, p.ear_h * hh, 20), p.skin, 0.95)
            _fill(
                img,
                _ellipse(
                    ex0 + side * 0.25 * p.ear_w * hw,
                    ear_y,
                    0.45 * p.ear_w * hw,
                    0.6 * p.ear_h * hh,
                    16,
                ),
                p.skin,
                0.7,
            )

    # Head: an ellipse whose lower half narrows towards the chin.
    t = _unit_circle(48)
    narrow = 1.0 - p.jaw * np.maximum(t[:, 1], 0.0) ** 2
    head = np.stack([cx + hw * t[:, 0] * narrow, cy + hh * t[:, 1]], 1)
    _fill(img, head, p.skin)

    if p.beard != "none":
        _front_beard(img, p, f, head, nose_y, mouth_y)
    if p.hair_style != "bald":
        _front_hair(img, p, f, eye_y)
    else:
        for side in (-1, 1):  # fringe of hair above the ears
            xo = cx + side * 1.0 * hw
            patch = [
                (xo, eye_y - 0.05 * hh),
                (xo - side * 0.12 * hw, eye_y - 0.05 * hh),
                (xo - side * 0.05 * hw, eye_y - 0.45 * hh),
                (xo + side * 0.03 * hw, eye_y - 0.4 * hh),
            ]
            _fill(img, patch, p.hair_colour)

    # Eyes, brows.
    for side in (-1, 1):
        xc = cx + side * ex
        xs, top, bottom = _eye_shape(
            xc - ew, xc + ew, eye_y, p.eye_h * ew * 1.1, p.eye_h * ew * 0.9
        )
        r = p.iris_r * ew
        _eye(img, p, xs, top, bottom, xc, eye_y, r, r, 0.9 * line)
        # Brows arch up and thin out from the inner end to the outer one.
        bx = np.linspace(xc - side * 1.1 * ew, xc + side * 1.2 * ew, 10)
        s = np.linspace(0.0, 1.0, 10)
        arch = eye_y - (p.brow_gap + 0.05 * np.sin(np.pi * s) + p.brow_tilt * s) * hh
        _fill(img, _band(bx, arch, p.brow_thick * hh * (1.0 - 0.5 * s)), p.brow_colour)

    # Nose: nostrils and the wings either side.
    nw = p.nose_w * hw
    for side in (-1, 1):
        _fill(
            img,
            _ellipse(cx + side * 0.45 * nw, nose_y + 0.03 * hh, 0.28 * nw, 0.13 * nw, 12),
            p.skin,
            0.4,
        )
        _line(
            img,
            _arc(
                cx + side * 0.8 * nw,
                nose_y - 0.01 * hh,
                0.35 * nw,
                0.45 * nw,
                np.pi / 2 - side * 1.6,
                np.pi / 2 + side * 0.2,
                8,
            ),
            p.skin,
            0.8 * line,
            0.65,
        )

    _front_mouth(img, p, f, mouth_y, line)
    if p.glasses != "none":
        _front_glasses(img, p, f, eye_y, ex, ew, line)

    blobs = []
    for side in (-1, 1):
        xc = cx + side * ex
        blobs.append((xc, eye_y - 0.05 * hh, 1.25 * ew, 0.16 * hh, -0.3))  # eye socket
        blobs.append(
            (xc + side * 0.1 * hw, eye_y + 0.28 * hh, 1.3 * ew, 0.1 * hh, 0.07)
        )  # cheekbone
    blobs += [
        (cx, 0.5 * (eye_y + nose_y), 0.09 * hw, 0.3 * hh, 0.2),  # nose bridge
        # The side of the nose turned away from the light.
        (
            cx - 0.2 * hw * np.sign(p.light[0] or 1.0),
            0.5 * (eye_y + nose_y) + 0.05 * hh,
            0.06 * hw,
            0.25 * hh,
            -0.12,
        ),
        (cx, nose_y + 0.09 * hh, 0.22 * hw, 0.05 * hh, -0.22),  # under the nose
        (cx, mouth_y + 0.13 * hh, 0.3 * hw, 0.05 * hh, -0.15),  # under the lower lip
        (cx, cy + 1.12 * hh, 0.6 * hw, 0.12 * hh, -0.35),  # under the chin
        (cx, cy - 0.55 * hh, 0.5 * hw, 0.2 * hh, 0.06),  # forehead
    ]
    return _shade(height, width, p.light, cx, cy - 0.03 * hh, 1.08 * hw, 1.08 * hh, blobs)


def _front_hair(img, p: FaceParams, f: _Frame, eye_y) -> None:
    cx, cy, hw, hh = f.cx, f.cy, f.hw, f.hh
    temple_y = eye_y - 0.22 * hh
    top_y = cy - p.hairline * hh
    rgb = p.hair_colour
    vol = 0.35 * p.hair_volume if p.hair_style == "buzz" else p.hair_volume
    if p.hair_style == "buzz":
        rgb = 0.55 * np.asarray(p.hair_colour) + 0.45 * np.asarray(p.skin)
    # Outer edge: the head outline puffed out by the hair volume, temple to temple.
    a0 = np.arcsin(np.clip((temple_y - cy) / hh, -1, 1))
    outer = _arc(cx, cy, hw * (1.0 + vol), hh * (1.0 + vol), np.pi - a0, 2 * np.pi + a0, 24)
    # Inner edge: the hairline, an arch from the right temple over the forehead.
    s = np.linspace(0.0, np.pi, 16)
    inner = np.stack(
        [cx + 0.99 * hw * np.cos(s), temple_y - (temple_y - top_y) * np.sin(s) ** 0.5], 1
    )
    _fill(img, np.concatenate([outer, inner]), rgb)
    if p.fringe > 0:
        brow_y = eye_y - p.brow_gap * hh
        xs = np.linspace(cx - 0.95 * hw, cx + 0.95 * hw, 9)
        low = top_y + p.fringe * (brow_y - top_y)
        tilt = np.linspace(-0.08, 0.12, 9) * hh
        zig = np.where(np.arange(9) % 2 == 0, 0.0, -0.12 * hh)
        bottom = np.stack([xs, low + tilt + zig], 1)
        bottom[[0, -1], 1] = temple_y - 0.05 * hh
        top = np.stack([xs[::-1], np.full(9, top_y - 0.1 * hh)], 1)
        _fill(img, np.concatenate([bottom, top]), rgb, 0.95)


def _front_beard(img, p: FaceParams, f: _Frame, head, nose_y, mouth_y) -> None:
    cx, cy, hw, hh = f.cx, f.cy, f.hw, f.hh
    mw = p.mouth_w * hw
    rgb = p.beard_colour
    if p.beard == "stubble":
        rgb = 0.6 * np.asarray(p.skin) + 0.4 * np.asarray(p.beard_colour)
    below = head[head[:, 1] > nose_y - 0.05 * hh]
    below = below[np.argsort(np.arctan2(below[:, 1] - cy, below[:, 0] - cx))]  # right to left
    chin = (below - (cx, cy)) * 1.03 + (cx, cy)
    moustache = [
        (cx - 0.9 * hw, nose_y - 0.05 * hh),
        (cx - 1.1 * mw, mouth_y - 0.1 * hh),
        (cx, nose_y + 0.06 * hh),
        (cx + 1.1 * mw, mouth_y - 0.1 * hh),
        (cx + 0.9 * hw, nose_y - 0.05 * hh),
    ]
    if p.beard == "goatee":
        chin = chin[np.abs(chin[:, 0] - cx) < 1.2 * mw]
        moustache = [
            (cx - 1.2 * mw, mouth_y + 0.05 * hh),
            (cx - 1.1 * mw, mouth_y - 0.1 * hh),
            (cx, nose_y + 0.06 * hh),
            (cx + 1.1 * mw, mouth_y - 0.1 * hh),
            (cx + 1.2 * mw, mouth_y + 0.05 * hh),
        ]
    _fill(img, np.concatenate([chin, moustache]), rgb)


def _front_mouth(img, p: FaceParams, f: _Frame, mouth_y, line) -> None:
    cx, hw, hh = f.cx, f.hw, f.hh
    mw, lh = p.mouth_w * hw, p.lip_h * hh
    xs = np.linspace(-1.0, 1.0, 13)
    seam = mouth_y + (_SEAM - p.smile * xs**2) * hh
    bow = mouth_y - lh * (1.0 - xs**2) * (1.0 - 0.3 * np.exp(-((xs / 0.2) ** 2)))
    lower = mouth_y + 1.3 * lh * (1.0 - xs**2) ** 0.8
    x = cx + mw * xs
    upper = np.concatenate([np.stack([x, np.minimum(bow, seam)], 1), np.stack([x, seam], 1)[::-1]])
    _fill(
        img,
        np.concatenate([np.stack([x, seam], 1), np.stack([x, lower], 1)[::-1]]),
        p.lip_colour,
        1.1,
    )
    _fill(img, upper, p.lip_colour)
    _line(img, np.stack([x, seam], 1), p.lip_colour, line, 0.35)


def _front_glasses(img, p: FaceParams, f: _Frame, eye_y, ex, ew, line) -> None:
    cx, hw = f.cx, f.hw
    rx, ry = 1.45 * ew, 1.05 * ew
    for side in (-1, 1):
        xc = cx + side * ex
        if p.glasses == "round":
            rim = _ellipse(xc, eye_y, rx, ry, 28)
        else:
            rim = _smooth(
                np.array(
                    [
                        (xc - rx, eye_y - ry),
                        (xc + rx, eye_y - ry),
                        (xc + rx, eye_y + 0.8 * ry),
                        (xc - rx, eye_y + 0.8 * ry),
                    ]
                ),
                3,
            )
        _line(img, rim, p.glasses_colour, line, closed=True)
        _line(
            img,
            [(xc + side * rx, eye_y - 0.4 * ry), (cx + side * 0.98 * hw, eye_y - 0.3 * ry)],
            p.glasses_colour,
            line,
        )
    _line(
        img,
        _arc(cx, eye_y - 0.2 * ry, ex - rx, 0.35 * ry, np.pi, 2 * np.pi, 8),
        p.glasses_colour,
        line,
    )


def _draw_profile(img, p: FaceParams, f: _Frame, height, width) -> np.ndarray:
    """Draws the right profile onto ``img`` and returns its shading map."""
    d = p.head_depth * f.hw
    hh = f.hh
    # The nose sticks out to the right, so the skull sits a little left of centre.
    ox, oy = f.cx - 0.12 * d, f.cy

    def pt(x, y):
        return np.stack(
            [ox + d * np.asarray(x, np.float64), oy + hh * np.asarray(y, np.float64)], -1
        )

    line = 0.012 * min(height, width)
    ey, ny, my = p.eye_y, p.nose_y, p.mouth_y
    nl = p.nose_len

    _fill(img, pt([-0.55, 0.3, 0.5, -0.62], [0.45, 0.75, 1.6, 1.6]), p.skin, 0.88)
    _fill(img, _shoulders(*pt(-0.1, 2.05), 1.35 * d, 0.68 * hh), p.shirt)
    if p.hair_style == "long":
        t = np.linspace(-np.pi / 2, -np.pi * 1.05, 14)
        back = np.concatenate(
            [
                pt(1.08 * np.cos(t) - 0.05, 1.08 * np.sin(t)),
                pt([-1.15, -0.45, -0.3], [1.45, 1.5, 0.0]),
            ]
        )
        _fill(img, back, p.hair_colour, 0.8)

    # Skull arc from the forehead over the crown to the nape, then jaw and face line.
    t = np.linspace(-np.pi / 6, -np.pi * 1.22, 28)
    face = pt(
        [
            -0.05,
            0.3,
            0.8,
            0.93,
            0.88,
            0.96,
            0.92,
            0.97,
            0.93,
            0.93 + 0.6 * nl,
            0.92 + nl,
            0.92,
            0.97,
            0.93,
        ],
        [
            0.6,
            0.93,
            1.0,
            0.9,
            0.5 * (my + 1) + 0.03,
            my + 0.07,
            my,
            my - 0.06,
            ny + 0.07,
            ny + 0.06,
            ny - 0.03,
            ey - 0.01,
            ey - 0.12,
            -0.3,
        ],
    )
    outline = np.concatenate([pt(np.cos(t), np.sin(t)), face])
    _fill(img, _smooth(outline, 1), p.skin)

    ear_x, ear_y = -0.02, 0.5 * (ey + ny)
    if p.hair_style != "long":
        _fill(
            img, _ellipse(*pt(ear_x, ear_y), 1.2 * p.ear_w * f.hw, p.ear_h * hh, 20), p.skin, 0.93
        )
        _line(
            img,
            _arc(
                *pt(ear_x + 0.02, ear_y),
                0.6 * p.ear_w * f.hw,
                0.6 * p.ear_h * hh,
                -np.pi * 0.6,
                np.pi * 0.6,
                10,
            ),
            p.skin,
            1.2 * line,
            0.65,
        )
    if p.beard != "none":
        _profile_beard(img, p, pt, ny, my)
    if p.hair_style != "bald":
        _profile_hair(img, p, pt, ey)

    # Eye: an almond opening towards the nose, iris near its front.
    ew = p.eye_w * f.hw
    x1 = ox + 0.88 * d
    xs, top, bottom = _eye_shape(
        x1 - 1.3 * ew, x1, oy + ey * hh, p.eye_h * ew * 1.1, p.eye_h * ew * 0.8
    )
    r = p.iris_r * ew
    _eye(img, p, xs, top, bottom, x1 - 0.3 * ew, oy + ey * hh, 0.45 * r, r, 0.9 * line)
    bx = np.linspace(x1 - 1.6 * ew, x1 + 0.05 * d, 8)
    s = np.linspace(0.0, 1.0, 8)  # from the outer end to the inner one
    arch = oy + (ey - p.brow_gap - 0.04 * np.sin(np.pi * s) - p.brow_tilt * (1 - s)) * hh
    _fill(img, _band(bx, arch, p.brow_thick * hh * (0.5 + 0.5 * s)), p.brow_colour)

    _fill(
        img, _ellipse(*pt(0.9 + 0.45 * nl, ny + 0.035), 0.15 * nl * d, 0.025 * hh, 12), p.skin, 0.4
    )
    _fill(img, pt([0.93, 0.97, 0.95, 0.86], [my - 0.005, my - 0.06, my + 0.005, my]), p.lip_colour)
    _fill(
        img, pt([0.93, 0.96, 0.92, 0.86], [my + 0.005, my + 0.06, my + 0.09, my]), p.lip_colour, 1.1
    )
    _line(img, pt([0.93, 0.84], [my, my - 0.005]), p.lip_colour, 0.8 * line, 0.35)

    if p.glasses != "none":
        lens_x = ox + 0.97 * d  # in front of the eye, well behind the nose tip
        rim = [(lens_x, oy + ey * hh - 1.05 * ew), (lens_x, oy + ey * hh + 0.9 * ew)]
        _line(img, rim, p.glasses_colour, 1.2 * line)
        _line(
            img,
            [(lens_x, oy + ey * hh - 0.5 * ew), tuple(pt(ear_x + 0.05, ey - 0.05))],
            p.glasses_colour,
            line,
        )

    blobs = [
        (x1 - 0.5 * ew, oy + (ey - 0.05) * hh, 1.2 * ew, 0.16 * hh, -0.22),  # eye socket
        (ox + 0.6 * d, oy + (ey + 0.28) * hh, 0.3 * d, 0.1 * hh, 0.08),  # cheekbone
        (ox + 0.9 * d, oy + (ny + 0.1) * hh, 0.15 * d, 0.05 * hh, -0.15),  # under the nose
        (ox + 0.4 * d, oy + 1.08 * hh, 0.5 * d, 0.12 * hh, -0.35),  # under the jaw
        (ox + (ear_x - 0.15) * d, oy + ear_y * hh, 0.12 * d, 0.3 * hh, -0.1),  # behind the ear
    ]
    return _shade(height, width, p.light, ox + 0.3 * d, oy - 0.03 * hh, 1.25 * d, 1.08 * hh, blobs)


def _profile_hair(img, p: FaceParams, pt, ey) -> None:
    rgb = p.hair_colour
    vol = 0.35 * p.hair_volume if p.hair_style == "buzz" else p.hair_volume
    if p.hair_style == "buzz":
        rgb = 0.55 * np.asarray(p.hair_colour) + 0.45 * np.asarray(p.skin)
    t = np.linspace(-np.pi * 0.3, -np.pi * 1.2, 24)
    outer = pt((1 + 0.8 * vol) * np.cos(t) - 0.02, (1 + vol) * np.sin(t))
    # Hairline from the nape, round the back of the ear, down a sideburn, to the forehead.
    inner = pt(
        [-0.45, -0.25, -0.18, -0.05, 0.1, 0.14, 0.12, 0.4, 0.62, 0.6],
        [
            0.55,
            0.25,
            ey - 0.05,
            ey - 0.15,
            ey - 0.12,
            ey + 0.12,
            ey - 0.25,
            -0.45,
            -p.hairline,
            -0.7,
        ],
    )
    _fill(img, _smooth(np.concatenate([outer, inner]), 1), rgb)
    if p.fringe > 0:
        brow = ey - p.brow_gap
        low = -p.hairline + p.fringe * (brow + p.hairline)
        _fill(
            img,
            pt(
                [0.45, 0.78, 0.96, 0.88, 0.7, 0.5],
                [-0.85, -0.7, low, low - 0.06, low - 0.02, -0.45],
            ),
            rgb,
            0.95,
        )


def _profile_beard(img, p: FaceParams, pt, ny, my) -> None:
    rgb = p.beard_colour
    if p.beard == "stubble":
        rgb = 0.6 * np.asarray(p.skin) + 0.4 * np.asarray(p.beard_colour)
    if p.beard == "goatee":
        xs = [0.6, 0.94, 0.99, 0.95, 0.97, 0.86, 0.6]
        ys = [my - 0.08, ny + 0.1, my - 0.07, my + 0.1, 0.92, 1.04, 0.9]
    else:
        xs = [0.05, 0.25, 0.94, 0.99, 0.95, 0.97, 0.84, 0.3, -0.08]
        ys = [ny - 0.08, ny + 0.05, ny + 0.1, my - 0.07, my + 0.1, 0.92, 1.05, 0.98, 0.6]
    _fill(img, pt(xs, ys), rgb)


def render_face(params: FaceParams, view: str = "front", image_size=(256, 256)) -> np.ndarray:
    """Renders one view of a synthetic person.

    Args:
        params: The person, from ``sample_face_params``.
        view: ``"front"``, or ``"profile"`` for the right profile (the face
            looks to the right of the image).
        image_size: ``(height, width)`` in pixels (each >= 16), or an int for a square.

    Returns:
        RGB ``uint8`` array of shape ``(height, width, 3)``.

    Raises:
        ValueError: For an unknown view or a bad size.

    Example:
        >>> img = render_face(sample_face_params(0, 1), "profile", (64, 48))
        >>> img.shape
        (64, 48, 3)
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}.")
    height, width = _check_size(image_size)
    scale = -(-_MIN_RENDER // min(height, width))
    rh, rw = height * scale, width * scale
    f = _frame(params, height, width, scale)

    # The background is drawn first with alpha 0; every figure colour has alpha 255,
    # so after anti-aliased drawing the alpha channel is the figure's coverage.
    ramp = 1.0 + params.background_gradient * (0.5 - np.arange(rh) / rh)
    column = np.zeros((rh, 1, 4), np.uint8)
    column[:, 0, :3] = np.clip(np.outer(ramp, params.background) * 255.0, 0, 255)
    canvas = cv2.resize(column, (rw, rh), interpolation=cv2.INTER_NEAREST)
    draw = _draw_front if view == "front" else _draw_profile
    shade = draw(canvas, params, f, rh, rw)

    # Shade only the figure, leaving the background flat.
    alpha = cv2.extractChannel(canvas, 3).astype(np.float32) * (1.0 / 255.0)
    shade = 1.0 + (shade - 1.0) * alpha
    out = cv2.multiply(
        cv2.cvtColor(canvas, cv2.COLOR_RGBA2RGB), cv2.merge([shade] * 3), dtype=cv2.CV_8U
    )
    if scale > 1:
        out = cv2.resize(out, (width, height), interpolation=cv2.INTER_AREA)
    return out


class SyntheticFaces:
    """Indexable collection of synthetic people, each a (front, profile) pair.

    Args:
        num_faces: Number of people.
        image_size: ``(height, width)`` of every image, or an int for a square.
        seed: Dataset seed; person ``i`` is ``sample_face_params(seed, i)``.

    Example:
        >>> faces = SyntheticFaces(num_faces=4, image_size=32)
        >>> faces.arrays("profile").shape
        (4, 32, 32, 3)
    """

    def __init__(self, num_faces: int = 1000, image_size=(256, 256), seed: int = 0):
        if not isinstance(num_faces, (int, np.integer)) or num_faces < 0:
            raise ValueError(f"num_faces must be a non-negative integer, got {num_faces!r}.")
        self.num_faces = int(num_faces)
        self.image_size = _check_size(image_size)
        self.seed = seed
        sample_face_params(seed, 0)  # validates the seed now rather than on first access

    def __len__(self) -> int:
        return self.num_faces

    def _index(self, i: int) -> int:
        n = self.num_faces
        if not -n <= i < n:
            raise IndexError(f"index {i} out of range for {n} faces.")
        return int(i) % n

    def params(self, i: int) -> FaceParams:
        """The ``FaceParams`` of person ``i``."""
        return sample_face_params(self.seed, self._index(i))

    def front(self, i: int) -> np.ndarray:
        """Front view of person ``i``, RGB uint8 ``(H, W, 3)``."""
        return render_face(self.params(i), "front", self.image_size)

    def profile(self, i: int) -> np.ndarray:
        """Right-profile view of person ``i``, RGB uint8 ``(H, W, 3)``."""
        return render_face(self.params(i), "profile", self.image_size)

    def pair(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """``(front, profile)`` of person ``i``."""
        p = self.params(i)
        return render_face(p, "front", self.image_size), render_face(p, "profile", self.image_size)

    __getitem__ = pair

    def landmarks(self, i: int) -> dict[str, tuple[float, float]]:
        """Front-view landmarks of person ``i`` (see ``face_landmarks``)."""
        return face_landmarks(self.params(i), self.image_size)

    def box(self, i: int) -> tuple[int, int, int, int]:
        """Front-view face box ``(x, y, w, h)`` of person ``i``."""
        return face_box(self.params(i), self.image_size)

    def arrays(self, view: str = "front", start: int = 0, stop: int | None = None) -> np.ndarray:
        """Renders people ``start..stop-1`` as one ``(N, H, W, 3)`` uint8 array.

        Args:
            view: ``"front"`` or ``"profile"``.
            start: First person.
            stop: One past the last person; defaults to ``len(self)``.
        """
        if view not in VIEWS:
            raise ValueError(f"view must be one of {VIEWS}, got {view!r}.")
        stop = self.num_faces if stop is None else stop
        if not 0 <= start <= stop <= self.num_faces:
            raise ValueError(f"need 0 <= start <= stop <= {self.num_faces}, got {start}..{stop}.")
        out = np.empty((stop - start, *self.image_size, 3), np.uint8)
        for j, i in enumerate(range(start, stop)):
            out[j] = render_face(self.params(i), view, self.image_size)
        return out
