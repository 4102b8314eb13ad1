"""Face cutting and alignment, on real photos shipped with scikit-image and matplotlib."""

import cv2
import matplotlib.cbook
import numpy as np
import pytest
from skimage import data

from pix2pix_tf.data import faces
from pix2pix_tf.data.synthetic import LANDMARK_NAMES, SyntheticFaces

# Eye centres (pupils) marked by hand on the photos, left then right as seen.
ASTRONAUT_EYES = ((202.5, 101.0), (244.0, 103.0))
GRACE_HOPPER_EYES = ((222.0, 189.0), (304.0, 187.0))


def grace_hopper():
    path = matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


PHOTOS = {
    "astronaut": (data.astronaut, ASTRONAUT_EYES),
    "grace_hopper": (grace_hopper, GRACE_HOPPER_EYES),
}


@pytest.mark.parametrize("name", sorted(PHOTOS))
def test_one_face_found_and_eyes_aligned_to_the_template(name):
    load, eyes = PHOTOS[name]
    photo = load()
    boxes = faces.detect_faces(photo)
    assert len(boxes) == 1
    x, y, w, h = boxes[0]
    assert all(x < ex < x + w and y < ey < y + h for ex, ey in eyes)

    cut = faces.cut_face(photo, size=(256, 256))
    assert cut.status == "aligned" and cut.reason is None and cut.faces_found == 1
    assert cut.image.shape == (256, 256, 3) and cut.image.dtype == np.uint8
    landed = faces.transform_points(cut.matrix, eyes)
    target = faces.template_eyes((256, 256))
    assert np.abs(landed - target).max() < 5  # the eye distance is 64 pixels
    np.testing.assert_allclose(cut.landmarks[:2], target)


def tight_crop(photo, eyes, width_in_eye_distances, side):
    """A square crop that the face fills, like the aligned crops of UTKFace."""
    (lx, ly), (rx, _) = eyes
    half = width_in_eye_distances * (rx - lx) / 2
    top, left = int(ly - 0.6 * half), int((lx + rx) / 2 - half)
    crop = photo[max(0, top) : int(top + 2 * half), left : int(left + 2 * half)]
    return cv2.resize(crop, (side, side), interpolation=cv2.INTER_AREA)


def test_a_face_filling_the_frame_wins_over_a_small_face_in_it():
    # The first, quick pass misses a face that fills the frame and finds only the small
    # one in the corner; the face that matters is the large one.
    photo = tight_crop(grace_hopper(), GRACE_HOPPER_EYES, 2.2, 200)
    photo[-64:, -64:] = tight_crop(data.astronaut(), ASTRONAUT_EYES, 2.8, 64)
    boxes = faces.detect_faces(photo)
    assert len(boxes) == 2
    assert boxes[0][2] > 0.8 * 200 and boxes[1][0] > 100 and boxes[1][2] < 100
    assert faces.cut_face(photo, size=(128, 128)).status == "aligned"


def test_crop_mode_frames_by_the_box_and_keeps_faces_upright():
    cut = faces.cut_face(data.astronaut(), size=(320, 256), mode="crop")
    assert cut.status == "cropped" and cut.image.shape == (320, 256, 3)
    assert cut.matrix[0, 1] == cut.matrix[1, 0] == 0  # no rotation
    landed = faces.transform_points(cut.matrix, ASTRONAUT_EYES)
    # Framed by the box the eyes still land near their place: a tenth of the eye distance.
    assert np.abs(landed - faces.template_eyes((320, 256))).max() < 0.15 * 64


def test_known_landmarks_align_exactly_and_move_with_the_face():
    face = SyntheticFaces(num_faces=1, image_size=(80, 64), seed=0)
    marks = np.array([face.landmarks(0)[n] for n in LANDMARK_NAMES])
    rotated = cv2.getRotationMatrix2D((32, 40), 20, 1.1)
    photo = cv2.warpAffine(face.front(0), rotated, (64, 80))
    marks = faces.transform_points(rotated, marks)
    cut = faces.cut_face(photo, size=(64, 64), landmarks=marks)
    assert cut.status == "aligned" and cut.faces_found == 0  # no detection needed
    np.testing.assert_allclose(cut.landmarks[:2], faces.template_eyes((64, 64)), atol=1e-9)
    np.testing.assert_allclose(cut.landmarks, faces.transform_points(cut.matrix, marks))


def test_eye_detection_on_synthetic_faces_is_close_to_the_truth():
    people = SyntheticFaces(num_faces=10, image_size=(96, 96), seed=3)
    errors = []
    for i in range(10):
        cut = faces.cut_face(people.front(i), size=(96, 96))
        if cut.status == "aligned":
            truth = [people.landmarks(i)["left_eye"], people.landmarks(i)["right_eye"]]
            errors.append(
                np.abs(faces.transform_points(cut.matrix, truth) - cut.landmarks[:2]).max()
            )
    assert len(errors) >= 8
    assert np.median(errors) < 1.5  # pixels, with 24 between the eyes


def test_profiles_are_found_facing_either_way():
    people = SyntheticFaces(num_faces=6, image_size=(96, 96), seed=0)
    found = 0
    for i in range(6):
        right = people.profile(i)
        boxes = faces.detect_faces(right, profile=True)
        mirrored = faces.detect_faces(np.ascontiguousarray(right[:, ::-1]), profile=True)
        assert sorted((96 - x - w, y, w, h) for x, y, w, h in boxes) == sorted(mirrored)
        assert not faces.detect_faces(right)  # a profile is no front view
        found += bool(boxes)
    assert found >= 4
    cut = faces.cut_face(right, size=(64, 64), profile=True)
    assert (cut.status, cut.reason) == ("cropped", "profiles are framed by the face box")


def test_no_face_is_skipped_with_its_reason():
    blank = np.full((120, 100, 3), 128, np.uint8)
    cut = faces.cut_face(blank)
    assert (cut.status, cut.reason, cut.image) == ("skipped", "no front-view face found", None)
    assert faces.cut_face(blank, profile=True).reason == "no profile found"


def test_mode_none_centre_crops_to_the_aspect_ratio():
    photo = np.zeros((100, 200), np.uint8)
    photo[:, 50:150] = 255  # the centre square
    cut = faces.cut_face(photo, size=(32, 32), mode="none")
    assert cut.status == "resized" and cut.image.shape == (32, 32)
    assert cut.image.min() == 255


def test_large_photos_are_shrunk_without_aliasing():
    stripes = np.zeros((400, 400), np.uint8)
    stripes[:, ::2] = 255  # one-pixel stripes average to grey
    out = faces.warp(stripes, np.array([[0.1, 0, 0], [0, 0.1, 0]]), (40, 40))
    assert np.abs(out.astype(int) - 128).max() <= 2


def test_similarity_from_two_points():
    matrix = faces.eyes_transform([(10, 10), (20, 15)], [(0, 0), (0, 30)])
    np.testing.assert_allclose(
        faces.transform_points(matrix, [(10, 10), (20, 15)]), [(0, 0), (0, 30)], atol=1e-9
    )
    a, b = matrix[0, 0], matrix[1, 0]
    np.testing.assert_allclose(matrix[:, :2], [[a, -b], [b, a]])  # no shear, one scale


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="mode must be one of"):
        faces.cut_face(np.zeros((8, 8, 3), np.uint8), mode="fancy")
    with pytest.raises(ValueError, match="uint8"):
        faces.cut_face(np.zeros((8, 8, 3), np.float32))


def test_mean_face_leaves_out_the_black_edges_of_aligned_crops():
    from pix2pix_tf.data.faces import mean_face

    crops = np.full((10, 32, 32, 3), 100, np.uint8)
    crops[:, :3] = 0  # rows above the photo, left black by `warp`
    crops[0, :, -5:] = 0  # one crop of ten misses a strip: kept at share 0.9, cut at 0.98
    mean, (top, left, side) = mean_face(crops, share=0.98)
    assert (top, left, side) == (5, 5, 22)
    assert mean.shape == (32, 32, 3)
    np.testing.assert_allclose(mean, 100, atol=0.5)
    mean, (top, left, side) = mean_face(crops, share=0.9, size=(16, 16))
    assert (top, side) == (3, 26) and mean.shape == (16, 16, 3)
    assert mean.min() > 85  # 1 crop of 10 is black at the right: the mean there is 90
