"""CelebA: list files, official partition, landmarks placing occlusions, attributes."""

import numpy as np
import pytest
from face_fixtures import CELEBA_ATTRIBUTES, CELEBA_SIZE, celeba_partition, write_celeba_tree

from pix2pix_tf.data import celeba
from pix2pix_tf.data.photos import source_kind
from pix2pix_tf.tasks.pairs import masked_pairs, task_pairs


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("celeba")
    return root, write_celeba_tree(root)


def test_list_files_are_parsed(tree):
    root, truth = tree
    data = celeba.load_celeba(root)
    assert data.files == truth["names"] and len(data.text_files) == 3
    name = truth["names"][7]
    np.testing.assert_array_equal(data.landmarks[name], truth["landmarks"][name])
    assert data.attribute_names == CELEBA_ATTRIBUTES
    assert data.attributes[name] == tuple(v == 1 for v in truth["attributes"][name])
    glasses = [truth["faces"].params(i).glasses != "none" for i in range(20)]
    assert [data.attribute(n, "Eyeglasses") for n in truth["names"]] == glasses
    with pytest.raises(ValueError, match="Unknown attribute 'Glasses'"):
        data.attribute(name, "Glasses")


def test_official_partition_decides_the_splits(tree):
    root, truth = tree
    data = celeba.load_celeba(root)
    for code, split in enumerate(("train", "val", "test")):
        expected = [n for i, n in enumerate(truth["names"]) if celeba_partition(i) == code]
        assert data.split_files(split) == expected


def test_without_partition_file_splits_by_file(tmp_path):
    write_celeba_tree(tmp_path, partition=False)
    data = celeba.load_celeba(tmp_path)
    sizes = [len(data.split_files(s, seed=1)) for s in ("train", "val", "test")]
    assert data.partition is None and sizes == [16, 2, 2]


def test_comma_separated_files_of_mirrors_are_read(tmp_path):
    truth = write_celeba_tree(tmp_path, csv=True)
    data = celeba.load_celeba(tmp_path)
    name = truth["names"][4]
    assert data.partition[name] == "test"
    np.testing.assert_array_equal(data.landmarks[name], truth["landmarks"][name])
    assert len(data.attribute_names) == 40


def test_broken_landmark_file_is_reported(tmp_path):
    write_celeba_tree(tmp_path, count=10)
    (tmp_path / "list_landmarks_align_celeba.txt").write_text("10\nheader\n000001.jpg 1 2 3\n")
    with pytest.raises(ValueError, match="10 numbers"):
        celeba.load_celeba(tmp_path)
    (tmp_path / "other").mkdir()
    with pytest.raises(FileNotFoundError, match="No img_align_celeba"):
        celeba.load_celeba(tmp_path / "other")


def test_photos_carry_their_landmarks(tree):
    root, truth = tree
    assert source_kind(root) == "celeba"
    photos = list(celeba.celeba_photos(root, "val").as_numpy_iterator())
    names = [n for i, n in enumerate(truth["names"]) if celeba_partition(i) == 1]
    assert len(photos) == len(names)
    for (image, marks), name in zip(photos, names):
        assert image.shape == (*CELEBA_SIZE, 3)
        np.testing.assert_array_equal(marks, truth["landmarks"][name])


def test_landmarks_place_the_face_mask(tree):
    root, truth = tree
    names = [n for i, n in enumerate(truth["names"]) if celeba_partition(i) == 2]
    triples = list(masked_pairs("occlusion-mask", root, "test").as_numpy_iterator())
    assert len(triples) == len(names)
    for (occluded, clean, mask), name in zip(triples, names):
        (lx, ly), (rx, ry), nose, mouth_left, mouth_right = truth["landmarks"][name]
        for x, y in (nose, (mouth_left + mouth_right) / 2):
            assert mask[int(y), int(x), 0] == 1  # nose and mouth are covered
        assert mask[ly, lx, 0] == 0 and mask[ry, rx, 0] == 0  # the eyes are not
        changed = np.any(occluded != clean, axis=-1)
        assert not changed[mask[..., 0] == 0].any()  # nothing changes outside the mask


def test_paired_task_on_celeba_explains(tree):
    with pytest.raises(ValueError, match="CelebA holds single photos"):
        task_pairs("mugshot", tree[0], "val")


def test_a_broken_photo_is_left_out_with_a_warning(tmp_path):
    write_celeba_tree(tmp_path)
    before = len(list(celeba.celeba_photos(tmp_path, "train")))
    broken = tmp_path / "img_align_celeba" / celeba.load_celeba(tmp_path).split_files("train", 0)[0]
    broken.write_bytes(broken.read_bytes()[:100])
    with pytest.warns(UserWarning, match="truncated JPEG"):
        photos = celeba.celeba_photos(tmp_path, "train")
    assert len(list(photos)) == before - 1
