"""Unpaired domains: UTKFace ages, CelebA attributes, two folders, synthetic halves."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf
from face_fixtures import write_celeba_tree, write_image

from pix2pix_tf.data.unpaired import (
    age_domain,
    attribute_domain,
    celeba_attributes,
    labelled_domains,
    unpaired_batches,
    utkface_labels,
)
from pix2pix_tf.tasks.unpaired import UNPAIRED_TASKS, get_unpaired_task, unpaired_images

AGES = [5, 12, 20, 25, 30, 31, 45, 59, 60, 61, 70, 85] * 5


@pytest.fixture(scope="module")
def utkface(tmp_path_factory):
    root = tmp_path_factory.mktemp("utkface")
    for i, age in enumerate(AGES):
        # Brightness tells the domains apart: young dark, old bright.
        value = 40 if age <= 30 else 200 if age >= 60 else 120
        write_image(
            root / f"{age}_{i % 2}_{i % 5}_2017010{i:04d}.jpg.chip.jpg",
            np.full((20, 20, 3), value, np.uint8),
        )
    write_image(root / "61_1_20170109142408075.jpg.chip.jpg", np.zeros((20, 20, 3), np.uint8))
    return root


def test_utkface_names_are_parsed_and_a_name_without_race_keeps_its_age():
    assert utkface_labels("dir/26_1_3_20170119.jpg.chip.jpg") == {"age": 26, "gender": 1, "race": 3}
    assert utkface_labels("holiday.jpg") is None
    no_race = utkface_labels("61_1_20170109142408075.jpg.chip.jpg")
    assert no_race == {"age": 61, "gender": 1, "race": None}
    domain_of = age_domain(30, 60)
    assert [domain_of(f"{a}_0_0_x.jpg") for a in (30, 31, 59, 60)] == ["A", None, None, "B"]
    with pytest.raises(ValueError, match="below"):
        age_domain(60, 30)


def test_age_task_splits_young_and_old_and_leaves_the_middle_out(utkface):
    seen = []
    for split in ("train", "val", "test"):
        young, old = labelled_domains(utkface, split, 0, age_domain())
        assert all(utkface_labels(p)["age"] <= 30 for p in young)
        assert all(utkface_labels(p)["age"] >= 60 for p in old)
        seen += young + old
    assert len(seen) == len(set(seen)) == 5 * 9 + 1  # 9 of the 12 ages, and the 61 without race
    images_a, images_b = unpaired_images("age", str(utkface), "train")
    assert int(images_a.cardinality()) > int(images_b.cardinality()) > 0
    first = next(iter(images_a))
    assert first.dtype == "uint8" and first.shape == (20, 20, 3) and int(first[0, 0, 0]) < 80


def test_two_folders_and_cyclegan_layout(tmp_path):
    for name in ("A", "B"):
        for i in range(10):
            write_image(tmp_path / "ab" / name / f"{i}.png", np.full((8, 8, 3), i, np.uint8))
    for name in ("trainA", "trainB", "testA", "testB"):
        for i in range(3):
            write_image(tmp_path / "cg" / name / f"{i}.png", np.full((8, 8, 3), i, np.uint8))
    a, b = labelled_domains(tmp_path / "ab", "train")
    assert len(a) == len(b) == 8 and all(os.sep + "A" + os.sep in p for p in a)
    a, b = labelled_domains(tmp_path / "cg", "val")  # no valA: the test folders
    assert len(a) == 3 and all("testB" in p for p in b)
    with pytest.raises(FileNotFoundError, match="two domain folders"):
        labelled_domains(tmp_path / "cg" / "trainA", "train")


def test_celeba_attributes_raw_and_prepared(tmp_path):
    truth = write_celeba_tree(tmp_path / "celeba")
    table = celeba_attributes(tmp_path / "celeba")
    name = "img_align_celeba/" + truth["names"][3]
    assert table[name]["Eyeglasses"] == (truth["attributes"][truth["names"][3]][15] == 1)
    glasses_a, glasses_b = unpaired_images("glasses", str(tmp_path / "celeba"), "train")
    total = int(glasses_a.cardinality()) + int(glasses_b.cardinality())
    assert total == sum(1 for i in range(20) if i % 5 < 3)  # the official train partition
    prepared = tmp_path / "prepared"
    for split, names in (
        ("train", ["a.jpg", "b.jpg", "c.jpg"]),
        ("val", ["d.jpg"]),
        ("test", ["e.jpg"]),
    ):
        for n in names:
            write_image(prepared / split / n, np.zeros((8, 8, 3), np.uint8))
    files = {"train/a.jpg": "01", "train/b.jpg": "10", "train/c.jpg": "11", "val/d.jpg": "01"}
    (prepared / "attributes.json").write_text(
        json.dumps({"names": ["Eyeglasses", "Smiling"], "files": files})
    )
    smile_a, smile_b = labelled_domains(prepared, "train", 0, attribute_domain(prepared, "Smiling"))
    assert [os.path.basename(p) for p in smile_a] == ["b.jpg"]
    assert [os.path.basename(p) for p in smile_b] == ["a.jpg", "c.jpg"]
    with pytest.raises(ValueError, match="Unknown attribute"):
        attribute_domain(prepared, "Hat")
    with pytest.raises(FileNotFoundError, match="no CelebA attributes"):
        celeba_attributes(prepared / "train")


def test_batches_training_repeats_each_domain_and_evaluation_stops_at_the_shorter():
    a = domain_images_from_arrays(np.full((5, 20, 24, 3), 0, np.uint8))
    b = domain_images_from_arrays(np.full((2, 20, 24, 3), 255, np.uint8))
    train = unpaired_batches(a, b, (16, 16), batch_size=2, training=True, seed=1)
    batches = list(train.take(6))
    assert all(x.shape == (2, 16, 16, 3) and y.shape == (2, 16, 16, 3) for x, y in batches)
    assert all(float(x.numpy().max()) == -1.0 and float(y.numpy().min()) == 1.0 for x, y in batches)
    again = list(unpaired_batches(a, b, (16, 16), batch_size=2, training=True, seed=1).take(6))
    np.testing.assert_array_equal(batches[5][0], again[5][0])
    evaluation = list(unpaired_batches(a, b, (16, 16), batch_size=2, training=False))
    assert len(evaluation) == 1 and evaluation[0][0].shape == (2, 16, 16, 3)


def domain_images_from_arrays(array):
    return tf.data.Dataset.from_tensor_slices(array)


def test_mugshot_unpaired_never_shows_one_person_in_both_domains():
    fronts, profiles = unpaired_images(
        "mugshot-unpaired", "synthetic", "train", (32, 32), num_faces=20
    )
    assert int(fronts.cardinality()) == 8 and int(profiles.cardinality()) == 8
    pairs = list(get_unpaired_task("mugshot-unpaired").pairs("train", (32, 32), 0, num_faces=20))
    assert len(pairs) == 16
    fronts = [f.numpy() for f in fronts]
    np.testing.assert_array_equal(fronts[1], pairs[2][0].numpy())
    profiles = [p.numpy() for p in profiles]
    np.testing.assert_array_equal(profiles[0], pairs[1][1].numpy())
    with pytest.raises(ValueError, match="synthetic"):
        unpaired_images("age", "synthetic", "train")


def test_registry_lists_the_tasks_of_the_issue():
    assert {"age", "glasses", "smile", "mugshot-unpaired", "unpaired"} <= set(UNPAIRED_TASKS)
    assert get_unpaired_task("age").domains == ("young", "old")
    with pytest.raises(ValueError, match="Known"):
        get_unpaired_task("occlusion")
