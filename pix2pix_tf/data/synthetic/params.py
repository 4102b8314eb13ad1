"""What makes one synthetic person: the identity choices drawn from a seed."""

from __future__ import annotations

import dataclasses

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
