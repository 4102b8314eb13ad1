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

import cv2
import numpy as np

from pix2pix_tf.data.synthetic.front import _draw_front
from pix2pix_tf.data.synthetic.geometry import _check_size, _frame, face_box, face_landmarks
from pix2pix_tf.data.synthetic.params import _MIN_RENDER, VIEWS, FaceParams, sample_face_params
from pix2pix_tf.data.synthetic.profile import _draw_profile


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
