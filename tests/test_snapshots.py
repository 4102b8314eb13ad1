import cv2
import numpy as np
import pytest

from pix2pix_tf.data import faces
from pix2pix_tf.data.snapshots import person_snapshots
from pix2pix_tf.data.synthetic import LANDMARK_NAMES, SyntheticFaces


def sharpness(image):
    gray = cv2.cvtColor(np.round(image).astype(np.uint8), cv2.COLOR_RGB2GRAY)
    return cv2.Laplacian(gray, cv2.CV_64F).var()


def test_shapes_and_determinism():
    photos, marks = person_snapshots(person=2, count=5, photo_size=(72, 64), seed=1)
    assert photos.shape == (5, 72, 64, 3) and photos.dtype == np.uint8
    assert marks.shape == (5, len(LANDMARK_NAMES), 2) and marks.dtype == np.float32
    again, same_marks = person_snapshots(person=2, count=5, photo_size=(72, 64), seed=1)
    np.testing.assert_array_equal(photos, again)
    np.testing.assert_array_equal(marks, same_marks)
    other, _ = person_snapshots(person=2, count=5, photo_size=(72, 64), seed=2)
    assert not np.array_equal(photos, other)
    with pytest.raises(ValueError, match="count"):
        person_snapshots(count=0)


def test_photos_differ_in_framing_but_show_one_person():
    photos, marks = person_snapshots(person=6, count=12, photo_size=(96, 96))
    eye_distance = np.linalg.norm(marks[:, 1] - marks[:, 0], axis=1)
    assert eye_distance.max() > 1.15 * eye_distance.min()  # sizes vary
    tilt = np.degrees(np.arctan2(*(marks[:, 1] - marks[:, 0]).T[::-1]))
    assert np.ptp(tilt) > 5  # so do tilts
    # Aligned by their true eyes, the photos coincide: their mean is as sharp as one
    # face, while the mean of the unaligned photos is a blur.
    aligned = np.stack(
        [faces.cut_face(p, (64, 64), landmarks=m).image for p, m in zip(photos, marks)]
    )
    unaligned = np.stack([faces.cut_face(p, (64, 64), mode="none").image for p in photos])
    assert sharpness(aligned.mean(0)) > 3 * sharpness(unaligned.mean(0))
    assert sharpness(aligned.mean(0)) > 0.5 * sharpness(aligned[0])


def test_landmarks_follow_the_eyes_of_the_person():
    photos, marks = person_snapshots(person=6, count=6, photo_size=(128, 128), seed=3)
    reference = SyntheticFaces(num_faces=7, image_size=(64, 64)).front(6)
    reference_marks = SyntheticFaces(num_faces=7, image_size=(64, 64)).landmarks(6)
    reference_eyes = np.array([reference_marks[n] for n in LANDMARK_NAMES[:2]])
    for photo, mark in zip(photos, marks):
        # Aligning the snapshot onto the portrait's eyes reproduces the portrait's eye region.
        matrix = faces.eyes_transform(mark[:2], reference_eyes)
        warped = faces.warp(photo, matrix, (64, 64)).astype(float)
        (x0, y0), (x1, y1) = reference_eyes.astype(int)
        region = np.s_[y0 - 3 : y0 + 4, x0 - 3 : x1 + 4]
        assert np.abs(warped[region] - reference[region].astype(float)).mean() < 25
