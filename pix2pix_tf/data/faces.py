"""Finding, cutting and aligning faces in photos, with OpenCV Haar cascades.

`cut_face` turns a photo into a face crop of a fixed size. Where the eyes are
known (CelebA landmarks, synthetic faces) or found, the crop is a similarity
transform that puts both eyes on fixed positions of the output ("aligned").
Haar eye detection is unreliable, so where the eyes cannot be found the crop is
framed by the detected face box instead ("cropped"), with the eyes where such a
box usually has them; where no face is found the photo is "skipped". Every
result says which of the three happened and why.

Coordinates are pixels ``(x, y)``; landmarks are the five CelebA points in
`LANDMARK_NAMES` order, left and right as seen in the image.

Example:
    >>> face = cut_face(photo, size=(256, 256))
    >>> face.status, face.reason, face.image.shape
    ('aligned', None, (256, 256, 3))
"""

from __future__ import annotations

import dataclasses
import itertools
import threading

import cv2
import numpy as np

from pix2pix_tf.data.mean_face import mean_face  # noqa: F401 (notebooks use faces.mean_face)
from pix2pix_tf.data.synthetic import LANDMARK_NAMES

FACE_MODES = ("align", "crop", "none")
STATUSES = ("aligned", "cropped", "resized", "skipped")
# The eyes of an aligned face: their distance as a fraction of the output width,
# and their height as a fraction of the output height. With these the whole face
# from brow to chin fits a square crop with some hair and neck, like CelebA's.
EYE_DISTANCE = 0.25
EYE_HEIGHT = 0.40
# Mean CelebA geometry below the eyes, in units of the eye distance: the nose tip
# and the mouth corners, for faces where only the eyes are known.
_NOSE_BELOW_EYES = 0.62
_MOUTH_BELOW_EYES = 1.05
_MOUTH_HALF_WIDTH = 0.42
# Where a frontal Haar face box has the eyes, as fractions of the box: measured
# on scikit-image's astronaut and matplotlib's Grace Hopper, and synthetic faces.
_BOX_EYES = ((0.30, 0.38), (0.70, 0.38))
# A profile box is framed with its centre here, so profiles sit like front views.
_PROFILE_BOX_WIDTH = 2.5  # profile box width in eye distances, as a frontal box's
_PROFILE_BOX_DROP = 0.3  # box centre below the eye line, in eye distances
# Faces are looked for in a copy with this shorter side, then in a larger one.
_DETECT_SIDE = 160
# A face at least this fraction of the shorter side is taken without looking further.
_LARGE_FACE = 0.5
_SMALL_FACE_SIDE = 480
# Eyes are searched for in this band of the face box (fractions of its height).
_EYE_BAND = (0.15, 0.62)
# Eye regions are upscaled to at least this width, as small eyes defeat the cascade.
_EYE_SEARCH_WIDTH = 200
_MIN_EYE = 0.07  # smallest eye box, fraction of the face box width
_MAX_TILT_DEGREES = 30.0


_local = threading.local()


def cascade(name):
    """The OpenCV Haar cascade ``name`` (e.g. ``"haarcascade_eye.xml"``).

    Loaded once per thread: a classifier is not safe to share between threads.
    """
    loaded = _local.__dict__.setdefault("cascades", {})
    if name not in loaded:
        classifier = cv2.CascadeClassifier(cv2.data.haarcascades + name)
        if classifier.empty():
            raise FileNotFoundError(
                f"OpenCV has no Haar cascade {name!r} in {cv2.data.haarcascades}; reinstall "
                "opencv-python-headless."
            )
        loaded[name] = classifier
    return loaded[name]


def to_gray(image):
    """uint8 gray ``(H, W)`` of an RGB ``(H, W, 3)``, gray ``(H, W, 1)`` or ``(H, W)`` image."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    if image.ndim == 3:
        return image[..., 0]
    return image


def _largest_first(boxes):
    return sorted((tuple(int(v) for v in b) for b in boxes), key=lambda b: (-b[2] * b[3], b))


def detect_faces(image, profile=False, min_fraction=0.15):
    """Face boxes ``(x, y, w, h)`` in a photo, largest first.

    Looks in a small copy first (fast, and photos of faces have large faces),
    and tries harder when that finds no face of at least half the shorter side:
    a border around it (faces that fill the frame, as in aligned crops, are
    otherwise missed, and a mouth or an eye may pass for a small face instead)
    with fewer required neighbours, then, if still nothing, a larger copy for
    small faces.

    Args:
        image: uint8 RGB or gray image.
        profile: look for profiles (both directions) instead of front views.
        min_fraction: smallest face of the first passes, as a fraction of the
            shorter side; the last pass goes down to 24 pixels.

    Returns:
        List of integer boxes in ``image`` coordinates; empty if none was found.
    """
    gray = to_gray(image)
    found = []
    for copy, scale, pad, min_size, neighbours in _detection_passes(gray, min_fraction):
        boxes = [
            _clip_box(
                (
                    round((x - pad) / scale),
                    round((y - pad) / scale),
                    round(w / scale),
                    round(h / scale),
                ),
                gray.shape,
            )
            for x, y, w, h in _detect(copy, profile, min_size, neighbours)
        ]
        # A later pass sees what an earlier one saw (with fewer neighbours needed), so its
        # boxes replace the earlier ones rather than adding duplicates.
        found = boxes or found
        # A face filling the frame is missed by the first pass, which may see a small false
        # face in it instead (a mouth, say): only a large face ends the search there.
        if found and (pad or max(w for _, _, w, _ in found) >= _LARGE_FACE * min(gray.shape)):
            break
    return _largest_first(found)


def _detection_passes(gray, min_fraction):
    """(image, scale, border, min face size, min neighbours) of each pass, made when needed."""
    short = min(gray.shape)
    for border, neighbours in ((0, 5), (1 / 8, 4)):
        scale = min(1.0, _DETECT_SIDE / short)
        copy = cv2.equalizeHist(_shrunk(gray, scale))
        min_size = max(24, int(min(copy.shape) * min_fraction))
        pad = int(min(copy.shape) * border)
        copy = cv2.copyMakeBorder(copy, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        yield copy, scale, pad, min_size, neighbours
    scale = min(1.0, _SMALL_FACE_SIDE / short)
    copy = cv2.equalizeHist(_shrunk(gray, scale))
    pad = min(copy.shape) // 4
    copy = cv2.copyMakeBorder(copy, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    yield copy, scale, pad, 24, 3


def _shrunk(gray, scale):
    if scale >= 1:
        return gray
    return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def _detect(gray, profile, min_size, neighbours):
    kwargs = dict(scaleFactor=1.1, minNeighbors=neighbours, minSize=(min_size, min_size))
    if not profile:
        return list(cascade("haarcascade_frontalface_default.xml").detectMultiScale(gray, **kwargs))
    # The profile cascade knows one direction; the mirror image finds the other.
    found = list(cascade("haarcascade_profileface.xml").detectMultiScale(gray, **kwargs))
    width = gray.shape[1]
    for x, y, w, h in cascade("haarcascade_profileface.xml").detectMultiScale(
        cv2.flip(gray, 1), **kwargs
    ):
        found.append((width - x - w, y, w, h))
    return found


def _clip_box(box, shape):
    x, y, w, h = box
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(shape[1], x + w), min(shape[0], y + h)
    return x0, y0, max(1, x1 - x0), max(1, y1 - y0)


def find_eyes(image, box):
    """Both eye centres in a face box, or None when no plausible pair is found.

    Searches only the band of the box where eyes are, upscaled so that small
    faces have eyes the cascade can see, first with the plain eye cascade and
    then with the one for glasses, asking for fewer neighbours each round. A
    pair must have one eye in each half of the box, at about the same height
    and a plausible distance apart.

    Args:
        image: uint8 RGB or gray image.
        box: face box ``(x, y, w, h)``.

    Returns:
        ``((left_x, left_y), (right_x, right_y))`` in image pixels, left as seen
        in the image; or None.
    """
    gray = to_gray(image)
    x, y, w, h = box
    top, bottom = y + int(_EYE_BAND[0] * h), y + int(_EYE_BAND[1] * h)
    band = gray[max(0, top) : max(0, bottom), max(0, x) : x + w]
    if band.size == 0:
        return None
    scale = max(1.0, _EYE_SEARCH_WIDTH / w)
    band = cv2.resize(band, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    min_eye = max(10, int(_MIN_EYE * w * scale))
    # Equalising helps dim photos and hurts well-exposed ones, so both are tried.
    attempts = itertools.product(
        (band, cv2.equalizeHist(band)),
        ("haarcascade_eye.xml", "haarcascade_eye_tree_eyeglasses.xml"),
        (5, 3, 1),
    )
    for search, name, neighbours in attempts:
        found = cascade(name).detectMultiScale(
            search, scaleFactor=1.05, minNeighbors=neighbours, minSize=(min_eye, min_eye)
        )
        # Candidate centres in units of the box width, from the box's top-left corner.
        centres = [
            ((ex + ew / 2) / scale / w, (ey + eh / 2) / scale / w + (top - y) / w)
            for ex, ey, ew, eh in found
        ]
        pair = _best_pair(centres, h / w)
        if pair is not None:
            (lx, ly), (rx, ry) = pair
            return (x + lx * w, y + ly * w), (x + rx * w, y + ry * w)
    return None


def _best_pair(centres, aspect):
    """The most eye-like pair of candidates, in box-width units, or None."""
    expected_y = _BOX_EYES[0][1] * aspect
    best, best_cost = None, np.inf
    for lx, ly in centres:
        for rx, ry in centres:
            if not (0.05 < lx < 0.5 < rx < 0.95):
                continue
            distance = np.hypot(rx - lx, ry - ly)
            if not 0.25 < distance < 0.65 or abs(ry - ly) > 0.15:
                continue
            cost = abs(distance - 0.4) + abs(ry - ly) + abs((ly + ry) / 2 - expected_y)
            cost += abs((lx + rx) / 2 - 0.5)
            if cost < best_cost:
                best, best_cost = ((lx, ly), (rx, ry)), cost
    return best


def template_eyes(size, eye_distance=EYE_DISTANCE, eye_height=EYE_HEIGHT):
    """Where the eyes of an aligned face go in an output of ``size`` (height, width)."""
    height, width = size
    half = eye_distance * width / 2
    cx, cy = (width - 1) / 2, eye_height * (height - 1)
    return np.array([(cx - half, cy), (cx + half, cy)], np.float64)


def landmarks_from_eyes(eyes):
    """Five landmarks ``(5, 2)`` estimated from the two eyes with mean face geometry."""
    (lx, ly), (rx, ry) = np.asarray(eyes, np.float64)
    across = np.array([rx - lx, ry - ly])  # eye to eye
    down = np.array([-across[1], across[0]])  # perpendicular, towards the chin
    middle = np.array([(lx + rx) / 2, (ly + ry) / 2])
    nose = middle + _NOSE_BELOW_EYES * down
    mouth = middle + _MOUTH_BELOW_EYES * down
    return np.array(
        [
            (lx, ly),
            (rx, ry),
            nose,
            mouth - _MOUTH_HALF_WIDTH * across,
            mouth + _MOUTH_HALF_WIDTH * across,
        ]
    )


def default_landmarks(size, eye_distance=EYE_DISTANCE, eye_height=EYE_HEIGHT):
    """The landmarks ``(5, 2)`` of an aligned face in an output of ``size`` (height, width).

    The fallback where a photo's landmarks are unknown: right for datasets made
    by `cut_face`, and roughly right for other centred face crops.
    """
    return landmarks_from_eyes(template_eyes(size, eye_distance, eye_height))


def eyes_transform(source_eyes, target_eyes):
    """2x3 similarity (rotation, uniform scale, shift) moving two points onto two others."""
    (p1, p2), (q1, q2) = np.asarray(source_eyes, np.float64), np.asarray(target_eyes, np.float64)
    dp, dq = p2 - p1, q2 - q1
    # Complex division gives scale * e^(i angle) in one step.
    z = complex(*dq) / complex(*dp)
    a, b = z.real, z.imag
    rotation = np.array([[a, -b], [b, a]])
    shift = q1 - rotation @ p1
    return np.hstack([rotation, shift[:, None]])


def transform_points(matrix, points):
    """Applies a 2x3 affine ``matrix`` to ``(N, 2)`` points."""
    points = np.asarray(points, np.float64)
    return points @ matrix[:, :2].T + matrix[:, 2]


def warp(image, matrix, size):
    """``image`` warped by a 2x3 ``matrix`` into ``size`` (height, width).

    Pixels from outside the photo are black: a visible "no data" rather than
    smeared or mirrored edges that look like face.
    """
    height, width = size
    image = np.ascontiguousarray(image)
    scale = np.sqrt(abs(np.linalg.det(matrix[:, :2])))
    if scale < 1:
        # warpAffine does not average pixels; shrinking first with INTER_AREA avoids aliasing.
        small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        factor = np.array([small.shape[1] / image.shape[1], small.shape[0] / image.shape[0]])
        matrix = np.hstack([matrix[:, :2] / factor, matrix[:, 2:]])
        image = small.reshape(*small.shape[:2], *image.shape[2:])
    out = cv2.warpAffine(
        image,
        matrix,
        (width, height),
        flags=cv2.INTER_LINEAR if scale < 1 else cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_CONSTANT,
    )
    return out.reshape(height, width, *image.shape[2:])


@dataclasses.dataclass(frozen=True)
class FaceCut:
    """The outcome of `cut_face`.

    Attributes:
        image: the face crop, uint8 of the requested size; None when skipped.
        status: "aligned" (eyes on the template), "cropped" (framed by the face
            box), "resized" (no detection asked for) or "skipped".
        reason: why it was not aligned, or None.
        matrix: 2x3 affine from photo to crop pixels; None when skipped.
        landmarks: ``(5, 2)`` landmarks in crop pixels (the given ones moved, or
            estimated from the eyes or the box); None when skipped.
        faces_found: how many faces the detector saw (0 when not asked).
    """

    image: np.ndarray | None
    status: str
    reason: str | None = None
    matrix: np.ndarray | None = None
    landmarks: np.ndarray | None = None
    faces_found: int = 0


def cut_face(
    image,
    size=(256, 256),
    mode="align",
    landmarks=None,
    profile=False,
    eye_distance=EYE_DISTANCE,
    eye_height=EYE_HEIGHT,
):
    """Cuts the face out of a photo at a fixed size, aligned by the eyes where possible.

    Args:
        image: uint8 RGB ``(H, W, 3)`` or gray ``(H, W)`` / ``(H, W, 1)`` photo.
        size: ``(height, width)`` of the crop, e.g. (320, 256) for the mugshot
            experiments' 256x320 (width x height).
        mode: "align" (eyes, else face box), "crop" (face box only) or "none"
            (no detection: centre crop to the aspect ratio, then resize).
        landmarks: known ``(5, 2)`` landmarks (or at least the two eyes first);
            used instead of detection.
        profile: the photo is a profile: detect with the profile cascade and
            frame by the box (profiles have one visible eye, so no alignment).
        eye_distance: eye distance of aligned faces, fraction of the width.
        eye_height: eye height of aligned faces, fraction of the height.

    Returns:
        A `FaceCut`.
    """
    if mode not in FACE_MODES:
        raise ValueError(f"mode must be one of {FACE_MODES}, got {mode!r}.")
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError(
            f"image must be a uint8 (H, W[, C]) array, got {image.dtype} {image.shape}."
        )
    size = (int(size[0]), int(size[1]))
    target = template_eyes(size, eye_distance, eye_height)
    template = landmarks_from_eyes(target)

    if mode == "none":
        matrix = _centre_crop_transform(image.shape[:2], size)
        return FaceCut(warp(image, matrix, size), "resized", None, matrix, template, 0)

    if landmarks is not None and mode == "align":
        landmarks = np.asarray(landmarks, np.float64).reshape(-1, 2)
        if len(landmarks) >= 2 and np.all(np.isfinite(landmarks[:2])):
            matrix = eyes_transform(landmarks[:2], target)
            moved = transform_points(matrix, landmarks)
            if len(moved) < len(LANDMARK_NAMES):
                moved = np.concatenate([moved, template[len(moved) :]])
            return FaceCut(warp(image, matrix, size), "aligned", None, matrix, moved, 0)

    boxes = detect_faces(image, profile=profile)
    if not boxes:
        what = "profile" if profile else "front-view face"
        return FaceCut(None, "skipped", f"no {what} found", faces_found=0)
    box = boxes[0]
    reason = None
    if mode == "align" and not profile:
        eyes = find_eyes(image, box)
        if eyes is not None and _tilt(eyes) <= _MAX_TILT_DEGREES:
            matrix = eyes_transform(eyes, target)
            return FaceCut(warp(image, matrix, size), "aligned", None, matrix, template, len(boxes))
        reason = "eyes not found" if eyes is None else "eyes found at an implausible tilt"
    elif mode == "align":
        reason = "profiles are framed by the face box"
    matrix = _box_transform(box, target, profile)
    return FaceCut(warp(image, matrix, size), "cropped", reason, matrix, template, len(boxes))


def _tilt(eyes):
    (lx, ly), (rx, ry) = eyes
    return abs(np.degrees(np.arctan2(ry - ly, rx - lx)))


def _box_transform(box, target_eyes, profile):
    """Upright transform framing a face box as an aligned face would be framed."""
    x, y, w, h = box
    if profile:
        # No eyes to go by: centre the box where an aligned face's centre is.
        distance = target_eyes[1, 0] - target_eyes[0, 0]
        scale = _PROFILE_BOX_WIDTH * distance / w
        to = target_eyes.mean(0) + (0.0, _PROFILE_BOX_DROP * distance)
        frm = (x + w / 2, y + h / 2)
        return np.array([[scale, 0, to[0] - scale * frm[0]], [0, scale, to[1] - scale * frm[1]]])
    box_eyes = np.array([(x + fx * w, y + fy * h) for fx, fy in _BOX_EYES])
    return eyes_transform(box_eyes, target_eyes)


def _centre_crop_transform(shape, size):
    """Scale-and-shift matching a centre crop to the aspect ratio of ``size``, then resize."""
    h, w = shape
    height, width = size
    scale = max(height / h, width / w)
    return np.array(
        [[scale, 0, (width - scale * w) / 2], [0, scale, (height - scale * h) / 2]], np.float64
    )
