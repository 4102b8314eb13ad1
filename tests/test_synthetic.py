"""Tests for the procedural synthetic face generator."""

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pix2pix_tf.data import synthetic
from pix2pix_tf.data.synthetic import (
    FaceParams,
    SyntheticFaces,
    face_box,
    face_landmarks,
    render_face,
    sample_face_params,
)

SIZES = [(256, 256), (64, 64), (32, 32), (320, 256), (48, 80), (16, 16)]


def _figure_mask(img: np.ndarray) -> np.ndarray:
    """Pixels that differ from the background colour of their row (taken at the right edge)."""
    diff = np.abs(img.astype(np.int16) - img[:, -1:, :].astype(np.int16)).max(axis=-1)
    return diff > 12


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("view", synthetic.VIEWS)
def test_shape_and_dtype(size, view):
    img = render_face(sample_face_params(0, 1), view, size)
    assert img.shape == (*size, 3)
    assert img.dtype == np.uint8
    assert img.flags.c_contiguous
    assert img.std() > 10  # a picture, not a flat fill


def test_int_size_is_square():
    p = sample_face_params(0, 2)
    np.testing.assert_array_equal(render_face(p, "front", 40), render_face(p, "front", (40, 40)))


def test_deterministic_by_seed_and_index():
    a = render_face(sample_face_params(3, 7), "profile", (64, 64))
    b = render_face(sample_face_params(3, 7), "profile", (64, 64))
    assert a.tobytes() == b.tobytes()
    assert sample_face_params(3, 7) == sample_face_params(3, 7)
    assert sample_face_params(3, 7) != sample_face_params(3, 8)
    assert sample_face_params(3, 7) != sample_face_params(4, 7)
    other = render_face(sample_face_params(3, 8), "profile", (64, 64))
    assert np.abs(a.astype(int) - other).mean() > 2


def test_front_and_profile_differ():
    p = sample_face_params(0, 5)
    front, profile = render_face(p, "front"), render_face(p, "profile")
    assert np.abs(front.astype(int) - profile).mean() > 5


def test_profile_looks_right():
    """In profile the nose sticks out to the right, past the face line at eye and mouth level."""
    for i in range(10):
        p = sample_face_params(1, i)
        marks = face_landmarks(p)
        mask = _figure_mask(render_face(p, "profile"))
        rightmost = {k: np.flatnonzero(mask[round(y)]).max() for k, (_, y) in marks.items()}
        assert rightmost["nose"] >= max(rightmost["left_eye"], rightmost["mouth_left"]) + 3, i
        # Most of the head, the back of the skull and the hair, lies left of the nose.
        assert np.flatnonzero(mask[round(marks["nose"][1])]).mean() < rightmost["nose"] - 40


def test_sizes_render_the_same_geometry():
    """A small render matches an area-downscaled large one: geometry scales with size."""
    p = sample_face_params(0, 9)
    for view in synthetic.VIEWS:
        small = render_face(p, view, (32, 32)).astype(np.float32)
        big = cv2.resize(render_face(p, view, (256, 256)), (32, 32), interpolation=cv2.INTER_AREA)
        assert np.abs(small - big).mean() < 8


@pytest.mark.parametrize("size", [(256, 256), (32, 32), (320, 256), (64, 96)])
def test_landmarks_order_and_bounds(size):
    height, width = size
    for i in range(20):
        p = sample_face_params(2, i)
        m = face_landmarks(p, size)
        assert set(m) == set(synthetic.LANDMARK_NAMES)
        for x, y in m.values():
            assert 0 <= x < width and 0 <= y < height
        assert m["left_eye"][0] < m["nose"][0] < m["right_eye"][0]
        assert m["mouth_left"][0] < m["nose"][0] < m["mouth_right"][0]
        eye_y = max(m["left_eye"][1], m["right_eye"][1])
        assert eye_y < m["nose"][1] < min(m["mouth_left"][1], m["mouth_right"][1])
        x, y, w, h = face_box(p, size)
        assert w > 0 and h > 0 and x + w <= width and y + h <= height
        for px, py in m.values():
            assert x <= px <= x + w and y <= py <= y + h


def test_eye_landmarks_hit_the_pupils():
    for i in range(10):
        p = sample_face_params(0, i)
        gray = cv2.cvtColor(render_face(p, "front"), cv2.COLOR_RGB2GRAY)
        for name in ("left_eye", "right_eye"):
            x, y = face_landmarks(p)[name]
            assert gray[round(y), round(x)] < 50, (i, name)


@settings(max_examples=15, deadline=None)
@given(st.integers(16, 96), st.integers(16, 96), st.integers(0, 10_000))
def test_any_size_renders_inside_the_frame(height, width, index):
    p = sample_face_params(0, index)
    img = render_face(p, "front", (height, width))
    assert img.shape == (height, width, 3)
    x, y, w, h = face_box(p, (height, width))
    # The face, not the background, fills the box.
    assert _figure_mask(img)[y : y + h, x : x + w].mean() > 0.8


def test_population_is_diverse():
    people = [sample_face_params(0, i) for i in range(300)]
    brightness = [np.mean(p.skin) for p in people]
    assert min(brightness) < 0.35 and max(brightness) > 0.8
    assert {p.hair_style for p in people} == set(synthetic.HAIR_STYLES)
    assert {p.beard for p in people} == set(synthetic.BEARD_STYLES)
    glasses = np.mean([p.glasses != "none" for p in people])
    assert 0.1 < glasses < 0.5
    assert len({p.iris_colour for p in people}) > 3
    assert all(isinstance(p, FaceParams) for p in people)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"view": "side"},
        {"view": "Front"},
        {"image_size": (15, 64)},
        {"image_size": (64, 8)},
        {"image_size": 10},
        {"image_size": (64,)},
        {"image_size": "64x64"},
        {"image_size": (64.5, 64)},
    ],
)
def test_bad_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        render_face(sample_face_params(0, 0), **kwargs)


def test_bad_seed_and_collection_arguments_raise():
    with pytest.raises(ValueError):
        sample_face_params(-1, 0)
    with pytest.raises(ValueError):
        sample_face_params(0, 1.5)
    with pytest.raises(ValueError):
        face_landmarks(sample_face_params(0, 0), (8, 8))
    with pytest.raises(ValueError):
        SyntheticFaces(num_faces=4, image_size=(8, 8))
    faces = SyntheticFaces(num_faces=4, image_size=32)
    with pytest.raises(IndexError):
        faces.front(4)
    with pytest.raises(ValueError):
        faces.arrays("side")
    with pytest.raises(ValueError):
        faces.arrays(stop=5)


def test_collection():
    faces = SyntheticFaces(num_faces=5, image_size=(48, 32), seed=3)
    assert len(faces) == 5
    front, profile = faces.pair(2)
    np.testing.assert_array_equal(front, faces.front(2))
    np.testing.assert_array_equal(profile, faces.profile(2))
    np.testing.assert_array_equal(profile, faces[2][1])
    np.testing.assert_array_equal(faces.front(-1), faces.front(4))
    assert faces.landmarks(2) == face_landmarks(sample_face_params(3, 2), (48, 32))
    assert faces.box(2) == face_box(sample_face_params(3, 2), (48, 32))
    stack = faces.arrays("profile", 1, 4)
    assert stack.shape == (3, 48, 32, 3) and stack.dtype == np.uint8
    np.testing.assert_array_equal(stack[1], faces.profile(2))
    assert faces.arrays().shape == (5, 48, 32, 3)


def test_haar_cascade_finds_one_face():
    """OpenCV's stock frontal detector sees exactly one face in the front views."""
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    size = 256
    hits, ious = 0, []
    for i in range(50):
        p = sample_face_params(0, i)
        gray = cv2.cvtColor(render_face(p, "front", (size, size)), cv2.COLOR_RGB2GRAY)
        found = cascade.detectMultiScale(
            gray, scaleFactor=1.1, minNeighbors=5, minSize=(size // 4, size // 4)
        )
        if len(found) != 1:
            continue
        hits += 1
        (x, y, w, h), (bx, by, bw, bh) = found[0], face_box(p, (size, size))
        inter = max(0, min(x + w, bx + bw) - max(x, bx)) * max(0, min(y + h, by + bh) - max(y, by))
        ious.append(inter / (w * h + bw * bh - inter))
    rate, iou = hits / 50, float(np.mean(ious)) if ious else 0.0
    print(f"Haar exactly-one-face rate: {rate:.2f}, mean IoU with face_box: {iou:.2f}")
    assert rate >= 0.8
    assert iou > 0.4
