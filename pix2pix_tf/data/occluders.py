"""A broad, seeded family of occlusions for training a model that removes unseen ones.

The seed's four occlusions (`degradations.OCCLUSIONS`: face mask, blur, patch,
lower face) teach a model those four; real occluders (hands, scarves, stickers,
microphones, pixelated or blurred regions) look like none of them. An
`OcclusionMix` draws a *shape* (rectangle, ellipse, polygon, free-form brush
strokes, after the irregular masks of DeepFill v2, Yu et al. 2019, and LaMa,
Suvorov et al. 2022) anywhere on the face, covering 3-50% of its area, and a
*fill* (a solid colour, a texture cut from another photo, noise, pixelation, a
blur of any strength), or, with ``seed_share``, one of the seed's four kinds.

Shapes and fills are the *families* of the generalization protocol
(bench/occlusion.py): ``mix.without("texture")`` trains on everything but
textures, ``mix.only("texture")`` scores on them alone.

Example:
    >>> mix = OcclusionMix()
    >>> occluded, mask = mix.draw(photo, landmarks, donor=other_photo, seed=(0, 7))
"""

import dataclasses

import cv2
import numpy as np
import tensorflow as tf

from pix2pix_tf.data import degradations
from pix2pix_tf.data.faces import default_landmarks

SHAPES = ("rectangle", "ellipse", "polygon", "strokes")
FILLS = ("solid", "texture", "noise", "pixelate", "blur")
FAMILIES = SHAPES + FILLS
# Each of the seed's kinds belongs to one shape and one fill family, so that
# leaving a family out of training also leaves out the seed's kind of it.
SEED_FAMILIES = {
    "mask": ("polygon", "solid"),
    "blur": ("ellipse", "blur"),
    "partial": ("rectangle", "solid"),
    "full": ("rectangle", "solid"),
}
# Share of the face box (brow to chin, cheek to cheek) that one occlusion covers.
AREA_RANGE = (0.03, 0.5)
# The face box in face coordinates (`degradations.FaceFrame`): u across in eye
# distances, v down from the eye line (0) to the mouth line (1).
_FACE_U = (-1.1, 1.1)
_FACE_V = (-0.6, 1.7)


@dataclasses.dataclass(frozen=True)
class OcclusionMix:
    """Which occlusions to draw from: shapes, fills and the seed's kinds.

    Attributes:
        shapes: shape families among `SHAPES`.
        fills: fill families among `FILLS`.
        seed_kinds: the seed's occlusions (`degradations.OCCLUSIONS`) also drawn.
        seed_share: probability that a draw is one of ``seed_kinds`` (1 where
            there are no shapes or fills, 0 where there are no seed kinds).
    """

    shapes: tuple = SHAPES
    fills: tuple = FILLS
    seed_kinds: tuple = degradations.OCCLUSIONS
    seed_share: float = 0.25

    def __post_init__(self):
        for field, known in (("shapes", SHAPES), ("fills", FILLS)):
            values = tuple(getattr(self, field))
            unknown = [v for v in values if v not in known]
            if unknown:
                raise ValueError(f"{field} must be among {known}, got {unknown}.")
            object.__setattr__(self, field, values)
        kinds = tuple(self.seed_kinds)
        if kinds:
            degradations.check_occlusions(kinds)
        object.__setattr__(self, "seed_kinds", kinds)
        if not 0.0 <= self.seed_share <= 1.0:
            raise ValueError(f"seed_share must be in [0, 1], got {self.seed_share}.")
        if not kinds and not (self.shapes and self.fills):
            raise ValueError(
                "An OcclusionMix needs at least one shape and one fill, or seed kinds; got "
                f"shapes={self.shapes}, fills={self.fills}, seed_kinds={kinds}."
            )

    @property
    def uses_donor(self):
        """Whether some draws cut a texture from another photo."""
        draws_shapes = bool(self.shapes) and (not self.seed_kinds or self.seed_share < 1.0)
        return "texture" in self.fills and draws_shapes

    @staticmethod
    def only(family):
        """The occlusions of one family alone (all fills of a shape, all shapes of a fill)."""
        check_family(family)
        if family in SHAPES:
            return OcclusionMix(shapes=(family,), seed_kinds=(), seed_share=0.0)
        return OcclusionMix(fills=(family,), seed_kinds=(), seed_share=0.0)

    def without(self, family):
        """This mix without one family, nor the seed's kinds that belong to it."""
        check_family(family)
        kinds = tuple(k for k in self.seed_kinds if family not in SEED_FAMILIES[k])
        return OcclusionMix(
            shapes=tuple(s for s in self.shapes if s != family),
            fills=tuple(f for f in self.fills if f != family),
            seed_kinds=kinds,
            seed_share=self.seed_share if kinds else 0.0,
        )

    def describe(self):
        """One line for help texts and run records."""
        parts = []
        if self.shapes and self.fills and self.seed_share < 1.0:
            parts.append(f"shapes {', '.join(self.shapes)} filled with {', '.join(self.fills)}")
        if self.seed_kinds and self.seed_share > 0.0:
            parts.append(f"the seed's {', '.join(self.seed_kinds)} ({self.seed_share:.0%})")
        return "; ".join(parts)

    def draw(self, image, landmarks=None, donor=None, seed=(0, 0)):
        """One occlusion of ``image``.

        Args:
            image: uint8 ``(H, W, C)`` face photo.
            landmarks: ``(5, 2)`` landmarks placing the occlusion on the face;
                None or any NaN: where an aligned face has them.
            donor: uint8 photo that textures are cut from (another face of the
                same split); None: the photo itself, flipped.
            seed: shape-``[2]`` ints; the same seed, the same occlusion.

        Returns:
            ``(occluded, mask)``: uint8 image and uint8 ``(H, W, 1)`` mask, 1 on
            the pixels the occlusion covers.
        """
        image = np.asarray(image)
        if image.dtype != np.uint8 or image.ndim != 3:
            raise ValueError(
                f"image must be a uint8 (H, W, C) array, got {image.dtype} {image.shape}."
            )
        if landmarks is None or not np.all(np.isfinite(landmarks)):
            landmarks = default_landmarks(image.shape[:2])
        rng = degradations.seeded_rng(seed)
        use_seed = self.seed_kinds and (
            not (self.shapes and self.fills) or rng.random() < self.seed_share
        )
        if use_seed:
            kind = self.seed_kinds[rng.integers(len(self.seed_kinds))]
            return degradations.occlude_with(image, landmarks, kind, rng)
        frame = degradations.FaceFrame(landmarks)
        shape = self.shapes[rng.integers(len(self.shapes))]
        fill = self.fills[rng.integers(len(self.fills))]
        mask = _SHAPE_DRAWERS[shape](frame, image.shape[:2], rng)
        filled = _FILL_MAKERS[fill](image, _donor_like(image, donor), frame, rng)
        occluded = np.where(mask.astype(bool)[..., None], filled, image).astype(np.uint8)
        return occluded, mask[..., None]

    def tf_draw(self, image, landmarks, seed, donor=None):
        """`draw` as a TF op for `tf.data`; ``(occluded, mask)`` tensors."""
        image = tf.convert_to_tensor(image, tf.uint8)
        donor = tf.zeros([0], tf.uint8) if donor is None else donor  # empty: `draw`'s None

        def run(image, landmarks, donor, seed):
            return self.draw(image, landmarks, donor, seed)

        occluded, mask = tf.numpy_function(
            run,
            [image, tf.cast(landmarks, tf.float64), donor, seed],
            (tf.uint8, tf.uint8),
            stateful=False,
        )
        occluded.set_shape(image.shape)
        mask.set_shape(image.shape[:-1] + [1])
        return occluded, mask


def check_family(family):
    if family not in FAMILIES:
        raise ValueError(f"Unknown occlusion family {family!r}; families: {', '.join(FAMILIES)}.")
    return family


# --- shapes: a uint8 (H, W) mask, 1 inside ------------------------------------------------


def _face_area(frame):
    down = float(np.hypot(*frame.down))
    return (_FACE_U[1] - _FACE_U[0]) * (_FACE_V[1] - _FACE_V[0]) * frame.distance * max(down, 1.0)


def _target_area(frame, rng):
    return rng.uniform(*AREA_RANGE) * _face_area(frame)


def _centre(frame, rng):
    """A point anywhere on the face box, in pixels."""
    return frame.points([(rng.uniform(*_FACE_U), rng.uniform(*_FACE_V))])[0]


def _rectangle(frame, shape, rng):
    area, aspect = _target_area(frame, rng), np.exp(rng.uniform(np.log(1 / 3), np.log(3)))
    size = (np.sqrt(area * aspect), np.sqrt(area / aspect))
    corners = cv2.boxPoints((tuple(_centre(frame, rng)), size, rng.uniform(-45, 45)))
    return degradations.polygon_mask(shape, corners)


def _ellipse(frame, shape, rng):
    area, aspect = _target_area(frame, rng), np.exp(rng.uniform(np.log(1 / 3), np.log(3)))
    axes = np.sqrt(area / np.pi * np.array([aspect, 1 / aspect]))
    mask = np.zeros(shape, np.uint8)
    centre = tuple(int(c) for c in np.round(_centre(frame, rng) * 16))
    axes16 = tuple(int(a) for a in np.round(axes * 16))
    cv2.ellipse(mask, centre, axes16, rng.uniform(0, 180), 0, 360, 1, -1, cv2.LINE_8, 4)
    return mask


def _polygon(frame, shape, rng):
    """A star-shaped polygon of 5-10 corners, scaled to its area."""
    corners = rng.integers(5, 11)
    angles = np.sort(rng.uniform(0, 2 * np.pi, corners))
    radii = rng.uniform(0.4, 1.0, corners)
    points = np.stack([radii * np.cos(angles), radii * np.sin(angles)], 1)
    x, y = points[:, 0], points[:, 1]
    unit_area = 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))
    scale = np.sqrt(_target_area(frame, rng) / max(unit_area, 1e-3))
    return degradations.polygon_mask(shape, _centre(frame, rng) + scale * points)


def _strokes(frame, shape, rng):
    """Free-form brush strokes, drawn until they cover their share of the face."""
    area = _target_area(frame, rng)
    mask = np.zeros(shape, np.uint8)
    width = max(2, int(round(np.sqrt(area) * rng.uniform(0.12, 0.3))))
    for _ in range(12):  # strokes; each is a random walk of a few segments
        point, heading = _centre(frame, rng), rng.uniform(0, 2 * np.pi)
        for _ in range(rng.integers(3, 8)):
            heading += rng.uniform(-1.2, 1.2)
            step = rng.uniform(0.3, 0.9) * frame.distance
            end = point + step * np.array([np.cos(heading), np.sin(heading)])
            cv2.line(mask, _pixel(point), _pixel(end), 1, width, cv2.LINE_8)
            point = end
        if mask.sum() >= area:
            break
    return mask


def _pixel(point):
    return tuple(int(c) for c in np.round(point))


_SHAPE_DRAWERS = {
    "rectangle": _rectangle,
    "ellipse": _ellipse,
    "polygon": _polygon,
    "strokes": _strokes,
}


# --- fills: a uint8 image of the photo's shape, shown inside the mask ---------------------


def _donor_like(image, donor):
    """The donor at the photo's size and channels (the photo flipped if there is none)."""
    if donor is None or np.asarray(donor).size == 0:  # `tf_draw` passes an empty array
        return image[:, ::-1]
    donor = np.asarray(donor, np.uint8)
    if donor.shape[:2] != image.shape[:2]:
        donor = cv2.resize(donor, image.shape[1::-1], interpolation=cv2.INTER_AREA)
    donor = donor.reshape(image.shape[0], image.shape[1], -1)
    if donor.shape[2] != image.shape[2]:
        donor = donor[..., :1].repeat(image.shape[2], 2)[..., : image.shape[2]]
    return donor


def _solid(image, donor, frame, rng):
    colour = np.full(3, rng.uniform(0, 255)) if rng.random() < 0.4 else rng.uniform(0, 255, 3)
    return np.broadcast_to(np.round(colour[: image.shape[2]]), image.shape)


def _texture(image, donor, frame, rng):
    """A piece of another photo (hair, skin, cloth, background), zoomed, moved and flipped."""
    height, width = image.shape[:2]
    zoom = rng.uniform(1.0, 3.0)
    crop_h, crop_w = max(2, int(height / zoom)), max(2, int(width / zoom))
    top, left = rng.integers(height - crop_h + 1), rng.integers(width - crop_w + 1)
    patch = donor[top : top + crop_h, left : left + crop_w]
    if rng.random() < 0.5:
        patch = patch[:, ::-1]
    patch = cv2.resize(np.ascontiguousarray(patch), (width, height), interpolation=cv2.INTER_LINEAR)
    return patch.reshape(image.shape)


def _noise(image, donor, frame, rng):
    """Coloured Gaussian noise round a random colour, or uniform noise."""
    if rng.random() < 0.3:
        return rng.integers(0, 256, image.shape, dtype=np.uint8)
    colour = rng.uniform(0, 255, 3)[: image.shape[2]]
    noisy = colour + rng.normal(0, rng.uniform(15, 80), image.shape)
    return np.clip(np.round(noisy), 0, 255).astype(np.uint8)


def _pixelate(image, donor, frame, rng):
    """Blocks of 3 to 12% of the image side, as faces are hidden in videos."""
    height, width = image.shape[:2]
    block = max(3, int(round(rng.uniform(0.03, 0.12) * max(height, width))))
    small = cv2.resize(
        image, (max(1, width // block), max(1, height // block)), interpolation=cv2.INTER_AREA
    )
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_NEAREST).reshape(image.shape)


def _blur(image, donor, frame, rng):
    """A Gaussian blur of any strength: sigma from 1 pixel to a fifth of the image."""
    sigma = rng.uniform(1.0, max(1.5, 0.2 * max(image.shape[:2])))
    blurred = cv2.GaussianBlur(image, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    return blurred.reshape(image.shape)


_FILL_MAKERS = {
    "solid": _solid,
    "texture": _texture,
    "noise": _noise,
    "pixelate": _pixelate,
    "blur": _blur,
}
