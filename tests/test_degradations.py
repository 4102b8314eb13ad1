"""Occlusions, edges, contours, thresholds, noise and downscaling."""

import numpy as np
import pytest
import tensorflow as tf

from pix2pix_tf.data import degradations as d
from pix2pix_tf.data.faces import default_landmarks
from pix2pix_tf.data.synthetic import LANDMARK_NAMES, SyntheticFaces

FACES = SyntheticFaces(num_faces=4, image_size=(64, 64), seed=0)


def face(i=0):
    marks = FACES.landmarks(i)
    return FACES.front(i), np.array([marks[n] for n in LANDMARK_NAMES])


@pytest.mark.parametrize("kind", d.OCCLUSIONS)
def test_each_occlusion_changes_only_its_mask_and_is_fixed_by_seed(kind):
    image, marks = face()
    occluded, mask = d.occlude(image, marks, (kind,), seed=(1, 2))
    assert occluded.shape == image.shape and occluded.dtype == np.uint8
    assert mask.shape == (64, 64, 1) and set(np.unique(mask)) == {0, 1}
    changed = np.any(occluded != image, axis=-1)
    assert not changed[mask[..., 0] == 0].any()
    assert changed[mask[..., 0] == 1].mean() > 0.3  # most of the mask visibly differs
    again, again_mask = d.occlude(image, marks, (kind,), seed=(1, 2))
    np.testing.assert_array_equal(again, occluded)
    np.testing.assert_array_equal(again_mask, mask)
    other, other_mask = d.occlude(image, marks, (kind,), seed=(1, 3))
    assert not np.array_equal(other_mask, mask) or not np.array_equal(other, occluded)


def covers(mask, point):
    x, y = np.round(point).astype(int)
    return mask[y, x, 0] == 1


def test_face_mask_covers_nose_and_mouth_but_not_the_eyes():
    for i in range(4):
        image, (left, right, nose, mouth_left, mouth_right) = face(i)
        for seed in range(3):
            _, mask = d.occlude(image, face(i)[1], ("mask",), seed=(i, seed))
            assert covers(mask, nose) and covers(mask, (mouth_left + mouth_right) / 2)
            assert not covers(mask, left) and not covers(mask, right)


def test_full_occlusion_covers_the_lower_face_to_the_bottom():
    for seed in range(5):
        image, (left, right, nose, mouth_left, mouth_right) = face(1)
        _, mask = d.occlude(image, face(1)[1], ("full",), seed=(0, seed))
        assert mask[-1].all() and covers(mask, mouth_left) and covers(mask, mouth_right)
        assert 0.2 < mask.mean() < 0.9


def test_partial_occlusion_covers_part_of_the_face():
    sizes = [d.occlude(*face(2), ("partial",), seed=(0, s))[1].mean() for s in range(8)]
    assert 0.01 < min(sizes) and max(sizes) < 0.35 and len(set(sizes)) > 4


def test_blur_smooths_the_masked_region():
    image, marks = face(3)
    noisy = np.random.default_rng(0).integers(0, 256, image.shape, dtype=np.uint8)
    blurred, mask = d.occlude(noisy, marks, ("blur",), seed=(0, 0))
    inside = mask[..., 0] == 1
    assert blurred[inside].std() < 0.5 * noisy[inside].std()


def test_occlusions_follow_the_landmarks():
    image, marks = face()
    shifted = marks + (6, 4)
    _, mask = d.occlude(image, marks, ("mask",), seed=(0, 0))
    _, moved = d.occlude(image, shifted, ("mask",), seed=(0, 0))
    centre = lambda m: np.argwhere(m[..., 0]).mean(0)  # noqa: E731
    np.testing.assert_allclose(centre(moved) - centre(mask), (4, 6), atol=0.6)


def test_unknown_landmarks_fall_back_to_the_aligned_face_geometry():
    image, _ = face()
    guessed = d.occlude(image, np.full((5, 2), np.nan), ("mask",), seed=(0, 0))
    placed = d.occlude(image, default_landmarks((64, 64)), ("mask",), seed=(0, 0))
    np.testing.assert_array_equal(guessed[1], placed[1])


def test_mixed_kinds_draw_each_kind():
    image, marks = face()
    kinds = set()
    for s in range(24):
        _, mask = d.occlude(image, marks, d.OCCLUSIONS, seed=(0, s))
        kinds.add("full" if mask[-1].all() else "other")
    assert kinds == {"full", "other"}
    with pytest.raises(ValueError, match="Occlusions must be among"):
        d.occlude(image, marks, ("scarf",))


def test_tf_occlude_matches_numpy_inside_tf_data():
    image, marks = face()
    dataset = tf.data.Dataset.from_tensors((image, marks.astype(np.float32)))
    ((occluded, mask),) = dataset.map(
        lambda x, m: d.tf_occlude(x, m, tf.constant([4, 5]), ("partial",))
    ).as_numpy_iterator()
    expected, expected_mask = d.occlude(image, marks.astype(np.float32), ("partial",), (4, 5))
    np.testing.assert_array_equal(occluded, expected)
    np.testing.assert_array_equal(mask, expected_mask)


def test_canny_finds_the_edges_of_a_square():
    image = np.zeros((32, 32, 3), np.uint8)
    image[8:24, 8:24] = 255
    edges = d.tf_canny_edges(tf.constant(image)).numpy()
    assert edges.shape == (32, 32, 1) and set(np.unique(edges)) == {0, 255}
    assert edges[8:24, 7:10].any() and not edges[12:20, 12:20].any() and not edges[:4].any()


def test_canny_thresholds_follow_the_photo_so_dim_faces_keep_their_edges():
    sharp = FACES.front(1)
    dim = (sharp * 0.35 + 90).astype(np.uint8)  # a flat, low-contrast photo of the same face
    density = lambda edges: (edges > 0).mean()  # noqa: E731
    # Fixed thresholds lose most of the dim face; the photo's own keep a like drawing.
    assert density(d.canny_edges(dim, 100, 200)) < 0.6 * density(d.canny_edges(sharp, 100, 200))
    assert density(d.canny_edges(dim)) > 0.85 * density(d.canny_edges(sharp))
    assert 0.01 < density(d.canny_edges(dim)) < 0.2
    assert not d.canny_edges(np.full((32, 32, 3), 90, np.uint8)).any()  # flat: no edges


def test_threshold_makes_each_channel_binary():
    image = np.array([[[10, 200, 128], [127, 0, 255]]], np.uint8)
    np.testing.assert_array_equal(d.threshold_layers(image).numpy(), [[[0, 255, 255], [0, 0, 255]]])


def test_contour_lines_are_drawn_at_each_level_in_its_grey():
    ramp = np.tile(np.arange(0, 256, 4, dtype=np.uint8)[None, :, None], (4, 1, 3))
    lines = d.contour_lines(ramp).numpy()
    assert lines.shape == ramp.shape
    columns = {int(v): np.flatnonzero(lines[0, :, 0] == v).tolist() for v in d.CONTOUR_LEVELS}
    # The first pixel at or above each level is on its line: 52 >= 50 at column 13, ...
    assert columns == {50: [13], 100: [25], 150: [38], 200: [50]}
    assert set(np.unique(lines)) == {0, *d.CONTOUR_LEVELS}


def test_gaussian_noise_is_seeded_and_has_its_sigma():
    grey = tf.fill([64, 64, 3], tf.constant(128, tf.uint8))
    noisy = d.gaussian_noise(grey, 20.0, tf.constant([1, 2])).numpy()
    again = d.gaussian_noise(grey, 20.0, tf.constant([1, 2])).numpy()
    np.testing.assert_array_equal(noisy, again)
    assert abs(noisy.astype(float).std() - 20) < 1.5 and abs(noisy.mean() - 128) < 1.5


def test_uniform_noise_has_the_photo_size():
    noise = d.uniform_noise(tf.zeros([20, 30, 3], tf.uint8), tf.constant([0, 1])).numpy()
    assert noise.shape == (20, 30, 3) and noise.min() < 10 and noise.max() > 245


def test_downscale_loses_detail_and_keeps_the_size():
    checker = (np.indices((32, 32)).sum(0) % 2 * 255).astype(np.uint8)[..., None]
    out = d.downscale(tf.constant(checker), 4).numpy()
    assert out.shape == (32, 32, 1) and np.abs(out.astype(int) - 128).max() <= 2
    ramp = np.add.outer(np.arange(32) * 3, np.arange(32) * 4).astype(np.uint8)
    smooth = d.downscale(tf.constant(ramp[..., None]), 4).numpy()[..., 0]
    assert np.abs(smooth.astype(int) - ramp)[4:-4, 4:-4].max() <= 2  # smooth areas survive
