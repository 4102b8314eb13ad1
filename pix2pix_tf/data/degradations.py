"""What the self-supervised tasks do to a photo: occlusions, edges, contours, noise, blur.

Each transform takes a uint8 ``(H, W, C)`` image and gives a uint8 image of the
same height and width. Those that TensorFlow can do are TF ops; those that need
OpenCV (Canny edges, occlusions) are NumPy functions with a TF wrapper
(``tf.numpy_function`` with static shapes set), so all of them run inside
`tf.data`. OpenCV releases the GIL, so parallel `map` calls do not queue up.
Random transforms take a shape-``[2]`` integer seed: the same seed, the same result.

Example:
    >>> occluded, mask = occlude(photo, landmarks, kinds=("mask",), seed=(0, 7))
"""

import cv2
import numpy as np
import tensorflow as tf

from pix2pix_tf.data.faces import default_landmarks

OCCLUSIONS = ("mask", "blur", "partial", "full")
CONTOUR_LEVELS = (50, 100, 150, 200)
CANNY_STRONG_FRACTION = 0.06
CANNY_LOW_RATIO = 0.4
# Below this gradient nothing is an edge, so a flat image does not draw its noise.
_CANNY_FLOOR = 40.0
# Face-mask colours: surgical blue and white, then black, grey, pink and green.
MASK_COLOURS = (
    (200, 225, 240),
    (245, 245, 245),
    (25, 25, 30),
    (128, 130, 135),
    (240, 180, 200),
    (90, 140, 100),
)


def seeded_rng(seed):
    """A NumPy generator from a shape-[2] integer seed (negative entries allowed)."""
    return np.random.default_rng([int(s) % 2**32 for s in np.ravel(seed)])


# --- occlusions ---------------------------------------------------------------------------


class FaceFrame:
    """Face coordinates: ``u`` across in eye distances from between the eyes, ``v``
    down the face with 0 on the eye line and 1 on the mouth line."""

    def __init__(self, landmarks):
        left, right, _, mouth_left, mouth_right = np.asarray(landmarks, np.float64)
        self.origin = (left + right) / 2
        self.across = right - left
        self.down = (mouth_left + mouth_right) / 2 - self.origin
        self.distance = float(np.hypot(*self.across))

    def points(self, uv):
        uv = np.asarray(uv, np.float64).reshape(-1, 2)
        return self.origin + uv[:, :1] * self.across + uv[:, 1:] * self.down


def polygon_mask(shape, points):
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(points * 16).astype(np.int32)], 1, cv2.LINE_8, 4)
    return mask


def _face_mask(frame, shape, rng, image):
    """A nose-and-mouth mask: from the bridge of the nose round the chin, with straps."""
    top = rng.uniform(0.3, 0.42)
    half = rng.uniform(0.95, 1.1)
    bottom = rng.uniform(1.6, 1.8)
    outline = [
        (-half, top + 0.12),
        (-0.5, top),
        (0.0, top - 0.04),
        (0.5, top),
        (half, top + 0.12),
        (0.95 * half, 1.15),
        (0.6 * half, bottom - 0.1),
        (0.0, bottom),
        (-0.6 * half, bottom - 0.1),
        (-0.95 * half, 1.15),
    ]
    mask = polygon_mask(shape, frame.points(outline))
    strap = max(1, int(round(0.04 * frame.distance)))
    for side in (-1, 1):
        for v in (top + 0.15, 1.2):
            ends = frame.points([(side * 0.9 * half, v), (side * 1.3, 0.15)])
            cv2.line(mask, *[tuple(int(c) for c in p) for p in np.round(ends)], 1, strap)
    colour = np.array(MASK_COLOURS[rng.integers(len(MASK_COLOURS))], np.float64)
    colour = np.clip(colour * rng.uniform(0.9, 1.05), 0, 255)
    return mask, np.broadcast_to(colour[: image.shape[2]], image.shape)


def _blur(frame, shape, rng, image):
    """A strong Gaussian blur over an ellipse on the eyes, the nose and mouth, or anywhere."""
    part = rng.integers(3)
    if part == 0:  # the eyes
        centre, axes = (0.0, rng.uniform(-0.1, 0.1)), (rng.uniform(0.9, 1.2), rng.uniform(0.3, 0.5))
    elif part == 1:  # nose and mouth
        centre, axes = (0.0, rng.uniform(0.7, 0.9)), (rng.uniform(0.6, 0.9), rng.uniform(0.5, 0.7))
    else:  # somewhere on the face
        centre = (rng.uniform(-0.6, 0.6), rng.uniform(-0.2, 1.3))
        axes = (rng.uniform(0.3, 0.7), rng.uniform(0.25, 0.6))
    angles = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    ring = np.stack([centre[0] + axes[0] * np.cos(angles), centre[1] + axes[1] * np.sin(angles)], 1)
    mask = polygon_mask(shape, frame.points(ring))
    sigma = max(1.0, rng.uniform(0.12, 0.25) * frame.distance)
    blurred = cv2.GaussianBlur(image, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    return mask, blurred.reshape(image.shape)


def _random_fill(rng, image):
    """A flat colour: grey or any colour, as scarves, hands and paper would be."""
    if rng.random() < 0.5:
        colour = np.full(3, rng.uniform(0, 255))
    else:
        colour = rng.uniform(0, 255, 3)
    return np.broadcast_to(colour[: image.shape[2]], image.shape)


def _partial(frame, shape, rng, image):
    """A rectangle over part of the face: the eyes, one side, the mouth and chin, ..."""
    width, height = rng.uniform(0.8, 2.0), rng.uniform(0.5, 1.3)
    # Centred so that the rectangle stays on the face, brow (-0.6) to chin (1.7).
    u = rng.uniform(-1.1 + width / 2, 1.1 - width / 2)
    v = rng.uniform(-0.6 + height / 2, 1.7 - height / 2)
    corners = [(u - width / 2, v - height / 2), (u + width / 2, v - height / 2)]
    corners += [(u + width / 2, v + height / 2), (u - width / 2, v + height / 2)]
    return polygon_mask(shape, frame.points(corners)), _random_fill(rng, image)


def _full(frame, shape, rng, image):
    """Everything below a line between the eyebrows and the nose: the lower face or more."""
    top = rng.uniform(-0.3, 0.55)
    reach = 4 * max(shape) / max(frame.distance, 1.0)  # past the image edges in any tilt
    corners = [(-reach, top), (reach, top), (reach, reach), (-reach, reach)]
    return polygon_mask(shape, frame.points(corners)), _random_fill(rng, image)


_OCCLUDERS = {"mask": _face_mask, "blur": _blur, "partial": _partial, "full": _full}


def check_occlusions(kinds):
    """``kinds`` as a tuple, or a ValueError naming the known ones."""
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    unknown = [k for k in kinds if k not in OCCLUSIONS]
    if not kinds or unknown:
        raise ValueError(f"Occlusions must be among {OCCLUSIONS}, got {kinds!r}.")
    return kinds


def occlude_with(image, landmarks, kind, rng):
    """One occlusion of ``kind`` drawn with the NumPy generator ``rng``.

    Arguments as for `occlude`, except that ``landmarks`` must be known (finite)
    and the caller owns the randomness (`pix2pix_tf.data.occluders` mixes these
    with its own shapes). Returns ``(occluded, mask)`` as `occlude` does.
    """
    shape = image.shape[:2]
    mask, fill = _OCCLUDERS[kind](FaceFrame(landmarks), shape, rng, image)
    covered = mask.astype(bool)[..., None]
    occluded = np.where(covered, np.round(fill), image).astype(np.uint8)
    return occluded, mask[..., None]


def occlude(image, landmarks=None, kinds=OCCLUSIONS, seed=(0, 0)):
    """Covers part of a face: a face mask, a blur, a patch, or the whole lower face.

    Args:
        image: uint8 ``(H, W, C)`` face photo.
        landmarks: ``(5, 2)`` landmarks (`pix2pix_tf.data.faces` order) placing
            the occlusion; None or any NaN places it where an aligned face has them
            (`default_landmarks`).
        kinds: occlusions to choose from, among `OCCLUSIONS`; one is drawn per call.
        seed: shape-``[2]`` ints; the same seed gives the same occlusion.

    Returns:
        ``(occluded, mask)``: the uint8 image and a uint8 ``(H, W, 1)`` mask, 1 on
        the pixels that the occlusion replaced.
    """
    kinds = check_occlusions(kinds)
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3:
        raise ValueError(f"image must be a uint8 (H, W, C) array, got {image.dtype} {image.shape}.")
    shape = image.shape[:2]
    if landmarks is None or not np.all(np.isfinite(landmarks)):
        landmarks = default_landmarks(shape)
    rng = seeded_rng(seed)
    return occlude_with(image, landmarks, kinds[rng.integers(len(kinds))], rng)


def tf_occlude(image, landmarks, seed, kinds=OCCLUSIONS):
    """`occlude` as a TF op for `tf.data`; returns ``(occluded, mask)`` tensors."""
    kinds = check_occlusions(kinds)

    def run(image, landmarks, seed):
        return occlude(image, landmarks, kinds, seed)

    occluded, mask = tf.numpy_function(
        run,
        [image, tf.cast(landmarks, tf.float64), seed],
        (tf.uint8, tf.uint8),
        stateful=False,
    )
    occluded.set_shape(image.shape)
    mask.set_shape(image.shape[:-1] + [1])
    return occluded, mask


# --- edges, contours, thresholds ------------------------------------------------------------


def canny_edges(image, low=None, high=None):
    """Canny edges of an RGB or gray uint8 image: uint8 ``(H, W, 1)``, 255 on edges.

    Fixed thresholds leave a blurry or dim photo with hardly an edge and a sharp
    one full of texture, so by default they follow the photo: the high one keeps
    its steepest `CANNY_STRONG_FRACTION` of pixels as edge seeds, the low one is
    `CANNY_LOW_RATIO` of it; every face then gets a drawing of similar density.

    Args:
        image: uint8 ``(H, W, 3)`` or ``(H, W, 1)``.
        low: hysteresis threshold on the gradient (Sobel, L1); default from ``high``.
        high: threshold of edge seeds; default from the photo, as above.
    """
    image = np.asarray(image)
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.shape[-1] == 3 else image[..., 0]
    gray = np.ascontiguousarray(gray)
    if high is None:
        # The same gradient cv2.Canny thresholds: 3x3 Sobel, |dx| + |dy|.
        gradient = np.abs(cv2.Sobel(gray, cv2.CV_32F, 1, 0)) + np.abs(
            cv2.Sobel(gray, cv2.CV_32F, 0, 1)
        )
        high = max(float(np.percentile(gradient, 100 * (1 - CANNY_STRONG_FRACTION))), _CANNY_FLOOR)
    if low is None:
        low = CANNY_LOW_RATIO * high
    return cv2.Canny(gray, low, high)[..., None]


def tf_canny_edges(image, low=None, high=None):
    """`canny_edges` as a TF op for `tf.data`."""
    edges = tf.numpy_function(
        lambda x: canny_edges(x, low, high), [image], tf.uint8, stateful=False
    )
    edges.set_shape(image.shape[:-1] + [1])
    return edges


def threshold_layers(image, threshold=127):
    """Each channel made binary: 255 where it is above ``threshold``, else 0."""
    return tf.where(image > threshold, tf.constant(255, tf.uint8), tf.constant(0, tf.uint8))


def contour_lines(image, levels=CONTOUR_LEVELS):
    """Contour lines of each channel at ``levels``, drawn in the grey value of their level.

    A pixel is on the line of level ``t`` where its channel is at least ``t`` and
    one of its four neighbours is not: the iso-lines of a topographic map, one
    map per colour channel. Where lines of two levels meet, the higher one shows.

    Args:
        image: uint8 ``(H, W, C)`` tensor.
        levels: thresholds in [1, 255].

    Returns:
        uint8 ``(H, W, C)`` tensor, 0 off the lines.
    """
    image = tf.convert_to_tensor(image)
    padded = tf.pad(image, [[1, 1], [1, 1], [0, 0]], mode="SYMMETRIC")
    lowest_neighbour = tf.minimum(
        tf.minimum(padded[:-2, 1:-1], padded[2:, 1:-1]),
        tf.minimum(padded[1:-1, :-2], padded[1:-1, 2:]),
    )
    # A pixel is on the line of level t where lowest_neighbour < t <= pixel. The highest
    # such t, if any, is the highest level at or below the pixel: one pass, not one per level.
    # Steps summed rather than tf.where with a scalar, which is several times slower.
    level_below, previous = tf.zeros_like(image), 0
    for level in sorted(levels):
        level_below += tf.cast(image >= level, tf.uint8) * tf.constant(level - previous, tf.uint8)
        previous = level
    return level_below * tf.cast(level_below > lowest_neighbour, tf.uint8)


# --- noise and resolution -----------------------------------------------------------------


def _round_to_uint8(x):
    return tf.cast(tf.round(tf.clip_by_value(x, 0.0, 255.0)), tf.uint8)


def gaussian_noise(image, sigma, seed):
    """``image`` plus Gaussian noise of standard deviation ``sigma`` (0-255 units), clipped."""
    noise = tf.random.stateless_normal(tf.shape(image), seed, stddev=sigma)
    return _round_to_uint8(tf.cast(image, tf.float32) + noise)


def uniform_noise(image, seed, channels=3):
    """Uniform random noise with the height and width of ``image``."""
    shape = tf.concat([tf.shape(image)[:2], [channels]], 0)
    noise = tf.random.stateless_uniform(shape, seed, minval=0, maxval=256, dtype=tf.int32)
    noise = tf.cast(noise, tf.uint8)
    return tf.ensure_shape(noise, image.shape[:-1] + [channels])


def downscale(image, factor=4):
    """``image`` reduced ``factor`` times (area average), then bicubically back to its size.

    The generator's input and output have one size, so the low-resolution
    image is brought back up; what is lost is the detail.
    """
    size = tf.shape(image)[:2]
    small = tf.image.resize(image, tf.maximum(size // factor, 1), method="area")
    return tf.ensure_shape(_round_to_uint8(tf.image.resize(small, size, "bicubic")), image.shape)
