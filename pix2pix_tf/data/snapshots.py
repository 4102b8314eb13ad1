"""Snapshots of one synthetic person: the same face photographed again and again.

A real collection of one person's photos varies in framing (where the face is,
how large, how tilted), in lighting, expression, clothes and background, while
the face itself stays the same. `person_snapshots` makes such a collection from
one built-in synthetic person, with the true landmarks of every photo: material
for face detection and alignment (and for a GAN that learns one face) that needs
no downloads.

Example:
    >>> photos, landmarks = person_snapshots(person=3, count=16, photo_size=(128, 128))
    >>> photos.shape, landmarks.shape
    ((16, 128, 128, 3), (16, 5, 2))
"""

import dataclasses

import cv2
import numpy as np

from pix2pix_tf.data.synthetic import (
    LANDMARK_NAMES,
    face_landmarks,
    render_face,
    sample_face_params,
)


def _sitting(base, rng, head_scale, max_shift):
    """The person on one day: framing, light, expression, shirt and wall change."""
    light = np.array([rng.uniform(-0.5, 0.5), rng.uniform(-0.7, -0.25), 1.0])
    scale = rng.uniform(*head_scale)
    return dataclasses.replace(
        base,
        head_w=base.head_w * scale,
        head_h=base.head_h * scale,
        head_x=rng.uniform(-max_shift, max_shift),
        head_y=rng.uniform(-max_shift, max_shift),
        smile=rng.uniform(-0.01, 0.04),
        light=tuple(light / np.linalg.norm(light)),
        background=tuple(np.full(3, rng.uniform(0.55, 0.92)) + rng.uniform(-0.04, 0.04, 3)),
        background_gradient=rng.uniform(0.0, 0.2),
        shirt=tuple(rng.uniform(0.1, 0.9, 3)),
    )


def person_snapshots(
    person=0,
    count=32,
    photo_size=(128, 128),
    seed=0,
    dataset_seed=0,
    max_tilt=10.0,
    head_scale=(0.7, 1.0),
    max_shift=0.12,
):
    """Photos of one synthetic person, framed, lit and dressed differently each time.

    Args:
        person: index of the person in the synthetic dataset ``dataset_seed``
            (the same person as ``SyntheticFaces(seed=dataset_seed)[person]``).
        count: number of photos.
        photo_size: (height, width) of each photo.
        seed: seed of the variations; the same seed gives the same photos.
        dataset_seed: seed of the synthetic dataset the person comes from.
        max_tilt: the head is rotated by up to this many degrees either way.
        head_scale: range of the head's size relative to a portrait of the person.
        max_shift: the head centre moves up to this fraction of the photo's
            shorter side from the centre.

    Returns:
        ``(photos, landmarks)``: uint8 (count, H, W, 3) photos and float32
        (count, 5, 2) landmarks in pixels, in `LANDMARK_NAMES` order.
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}.")
    if not 0 < head_scale[0] <= head_scale[1]:
        raise ValueError(f"head_scale must be a (low, high) range above 0, got {head_scale}.")
    height, width = int(photo_size[0]), int(photo_size[1])
    base = sample_face_params(dataset_seed, person)
    rng = np.random.default_rng([int(seed), int(person), int(dataset_seed)])
    photos = np.empty((count, height, width, 3), np.uint8)
    landmarks = np.empty((count, len(LANDMARK_NAMES), 2), np.float32)
    for k in range(count):
        params = _sitting(base, rng, head_scale, max_shift)
        photo = render_face(params, "front", (height, width))
        marks = face_landmarks(params, (height, width))
        points = np.array([marks[name] for name in LANDMARK_NAMES], np.float64)
        # Tilt the whole photo about the midpoint of the eyes; the wall and the
        # shoulders continue past the corners.
        centre = tuple(float(c) for c in points[:2].mean(axis=0))
        matrix = cv2.getRotationMatrix2D(centre, rng.uniform(-max_tilt, max_tilt), 1.0)
        photos[k] = cv2.warpAffine(
            photo, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        landmarks[k] = points @ matrix[:, :2].T + matrix[:, 2]
    return photos, landmarks
