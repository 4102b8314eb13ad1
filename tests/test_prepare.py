"""`prepare`: raw sources to ready datasets, with manifests, and the same bytes on every run."""

import hashlib
import json
import os

import cv2
import numpy as np
import pytest
from face_fixtures import (
    NIST_SIZE,
    NOSE,
    celeba_partition,
    write_celeba_tree,
    write_image,
    write_nist_faces_tree,
    write_nist_tree,
    write_side_by_side_tree,
)

from pix2pix_tf.cli import main
from pix2pix_tf.data.faces import cut_face, template_eyes, warp
from pix2pix_tf.data.photos import folder_photos, source_kind
from pix2pix_tf.data.prepare import prepare
from pix2pix_tf.data.prepare_items import Settings, detect_kind
from pix2pix_tf.data.synthetic import SyntheticFaces
from pix2pix_tf.tasks.pairs import task_pairs


def tree_digest(folder):
    digest = hashlib.sha256()
    for root, _, files in sorted(os.walk(folder)):
        for name in sorted(files):
            path = os.path.join(root, name)
            digest.update(os.path.relpath(path, folder).encode() + open(path, "rb").read())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """Ten synthetic faces in sub-folders, a photo without a face and a broken file."""
    root = tmp_path_factory.mktemp("photos")
    people = SyntheticFaces(num_faces=10, image_size=(96, 96), seed=0)
    for i in range(10):
        write_image(str(root / ("ab"[i % 2]) / f"{i}.png"), people.front(i))
    write_image(str(root / "blank.png"), np.full((96, 96, 3), 128, np.uint8))
    (root / "broken.jpg").write_bytes(b"not a jpeg")
    return root


@pytest.fixture(scope="module")
def prepared(photos, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "faces"
    return out, prepare(photos, out, size=(64, 64), progress=False)


def test_folder_becomes_splits_with_a_manifest(prepared):
    out, manifest = prepared
    counts = manifest["counts"]
    assert manifest["kind"] == "folder" and not manifest["paired"]
    assert counts["inputs"] == 12 and counts["skipped"] == 2
    assert counts["aligned"] + counts.get("cropped", 0) == counts["written"] == 10
    assert sum(manifest["splits"].values()) == 10
    assert sorted((s["source"].split("/", 1)[1], s["reason"]) for s in manifest["skipped"]) == [
        ("blank.png", "no front-view face found"),
        ("broken.jpg", "unreadable image"),
    ]
    assert manifest["reasons"]["no front-view face found"] == 1
    files = sorted(f"{s}/{f}" for s in ("train", "val", "test") for f in os.listdir(out / s))
    assert len(files) == 10 and all(f.split("/")[1][:3] in ("a__", "b__") for f in files)
    assert all(cv2.imread(str(out / f)).shape == (64, 64, 3) for f in files)
    landmarks = json.loads((out / "landmarks.json").read_text())
    assert sorted(landmarks) == files
    assert json.loads((out / "manifest.json").read_text()) == manifest


def test_rerun_is_a_no_op_and_a_forced_rebuild_gives_the_same_bytes(photos, prepared):
    out, manifest = prepared
    before = tree_digest(out)
    again = prepare(photos, out, size=(64, 64), progress=False)
    assert again.pop("up_to_date") is True and again == manifest
    rebuilt = prepare(photos, out, size=(64, 64), progress=False, force=True)
    assert rebuilt == manifest and tree_digest(out) == before
    assert not [p for p in os.listdir(out.parent) if p.startswith(".")]  # no temporary left


def test_other_settings_rebuild(photos, tmp_path):
    out = tmp_path / "gray"
    first = prepare(photos, out, size=(48, 40), channels=1, image_format="png", progress=False)
    assert "up_to_date" not in first
    name = next(iter(json.loads((out / "landmarks.json").read_text())))
    assert cv2.imread(str(out / name), cv2.IMREAD_UNCHANGED).shape == (48, 40)
    second = prepare(photos, out, size=(48, 48), channels=1, image_format="png", progress=False)
    assert "up_to_date" not in second and second["settings"]["size"] == [48, 48]


def test_prepared_landmarks_reach_the_tasks(prepared):
    out, _ = prepared
    assert source_kind(out) == "prepared"
    landmarks = json.loads((out / "landmarks.json").read_text())
    train = sorted(k for k in landmarks if k.startswith("train/"))
    for (_, marks), name in zip(folder_photos(str(out), "train").as_numpy_iterator(), train):
        np.testing.assert_allclose(marks, landmarks[name], atol=1e-4)
        np.testing.assert_allclose(marks[:2], template_eyes((64, 64)), atol=0.01)
    (a, b), *_ = task_pairs("occlusion", str(out), "train").as_numpy_iterator()
    assert a.shape == b.shape == (64, 64, 3)
    # Single faces are no A|B pairs: cutting them in halves would train on nonsense.
    with pytest.raises(ValueError, match="prepared from single photos"):
        task_pairs("mugshot", str(out), "train")


def test_nist_becomes_side_by_side_pairs_split_by_person(tmp_path):
    sd18 = write_nist_tree(tmp_path / "raw")
    out = tmp_path / "mugshots"
    manifest = prepare(
        sd18, out, size=NIST_SIZE, faces="none", channels=1, image_format="png", progress=False
    )
    assert manifest["kind"] == "nist" and manifest["paired"]
    assert manifest["nist"]["skipped_subjects"] == {"no front view": 2, "no profile view": 1}
    assert manifest["counts"]["written"] == 22 and manifest["counts"]["front resized"] == 22
    people = {}
    for split in ("train", "val", "test"):
        names = os.listdir(out / split)
        people[split] = {n.split("_")[0] for n in names}
        for name in names:
            pair = cv2.imread(str(out / split / name), cv2.IMREAD_UNCHANGED)
            assert pair.shape == (NIST_SIZE[0], 2 * NIST_SIZE[1])
            profile = pair[:, NIST_SIZE[1] :]
            assert (profile[5, -3:] == NOSE).all()  # every profile faces right
            assert pair[0, 0] == profile[0, NIST_SIZE[1] // 2]  # one person
    assert not (people["train"] & people["val"] or people["train"] & people["test"])
    (front, profile), *_ = task_pairs("mugshot", str(out), "train").as_numpy_iterator()
    assert front.shape == profile.shape == (*NIST_SIZE, 3)


def test_nist_profiles_the_detector_misses_are_framed_like_their_front(tmp_path):
    hidden = (2, 5, 7)
    sd18, sharp = write_nist_faces_tree(tmp_path / "raw", hidden_profiles=hidden)
    blurred = {n + 1 for n in hidden}
    for n in hidden:  # the premise: the detector misses these profiles
        profile = cv2.imread(f"{sd18}/single/f1_p1/s1/{n + 1:05d}_01_R.png", 0)
        assert cut_face(profile, (64, 64), profile=True).status == "skipped"
    out = tmp_path / "mugshots"
    manifest = prepare(sd18, out, size=(64, 64), channels=1, image_format="png", progress=False)
    assert manifest["version"] == 2
    assert manifest["counts"]["written"] == 10 and not manifest["skipped"]
    assert manifest["nist"]["profile_fallbacks"] == 3
    assert manifest["counts"]["profile framed like front"] == 3
    assert manifest["reasons"]["profile: no profile found"] == 3
    written = {
        int(p.name[:5]): p for split in ("train", "val", "test") for p in (out / split).iterdir()
    }
    assert sorted(written) == list(range(1, 11))
    for subject in blurred:
        pair = cv2.imread(str(written[subject]), cv2.IMREAD_UNCHANGED)
        stem = f"{sd18}/single/f1_p1/s1/{subject:05d}_01"
        front_photo, profile_photo = (cv2.imread(f"{stem}_{v}.png", 0) for v in "FR")
        front_cut = cut_face(front_photo, (64, 64))
        assert front_cut.status == "aligned" and (pair[:, :64] == front_cut.image).all()
        # The profile is cut by the front's transform, and the head fills the crop.
        expected = warp(profile_photo, front_cut.matrix, (64, 64))
        assert np.abs(pair[:, 64:].astype(int) - expected).max() <= 1
        assert (pair[:, 64:] == 0).mean() < 0.05
    # Rerun: the same input and settings are up to date.
    again = prepare(sd18, out, size=(64, 64), channels=1, image_format="png", progress=False)
    assert again.get("up_to_date") and again["nist"]["profile_fallbacks"] == 3


def test_celeba_is_aligned_by_its_landmarks_in_its_official_partition(tmp_path):
    truth = write_celeba_tree(tmp_path / "celeba")
    out = tmp_path / "aligned"
    manifest = prepare(tmp_path / "celeba", out, size=(32, 32), progress=False)
    assert manifest["counts"] == {"inputs": 20, "written": 20, "aligned": 20}
    assert manifest["partition"] == "official"
    for i, name in enumerate(truth["names"]):
        split = ("train", "val", "test")[celeba_partition(i)]
        assert (out / split / name).is_file()
    landmarks = json.loads((out / "landmarks.json").read_text())
    for marks in landmarks.values():
        np.testing.assert_allclose(np.array(marks)[:2], template_eyes((32, 32)), atol=0.01)
    attributes = json.loads((out / "attributes.json").read_text())
    assert len(attributes["names"]) == 40 and sorted(attributes["files"]) == sorted(landmarks)


def test_side_by_side_keeps_its_splits_and_can_swap(tmp_path):
    source = write_side_by_side_tree(tmp_path / "ab")
    assert detect_kind(source) == "side-by-side"
    out = tmp_path / "ba"
    manifest = prepare(source, out, size=(8, 8), direction="BtoA", progress=False)
    assert manifest["splits"] == {"train": 6, "val": 2, "test": 2}
    pair = cv2.imread(str(out / "val" / "1.jpg"))
    assert pair.shape == (8, 16, 3)
    assert abs(int(pair[4, 4, 0]) - 200) < 4 and abs(int(pair[4, 12, 0]) - 11) < 4


def test_nothing_is_overwritten_that_prepare_did_not_make(photos, tmp_path):
    with pytest.raises(ValueError, match="overlap"):
        prepare(photos, photos / "prepared", progress=False)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.txt").write_text("precious")
    with pytest.raises(ValueError, match="not a dataset made by prepare"):
        prepare(photos, mine, progress=False)
    assert (mine / "thesis.txt").read_text() == "precious"
    with pytest.raises(ValueError, match="faces must be one of"):
        Settings(faces="detect")


def test_command_line_prepare(photos, tmp_path, capsys):
    out = tmp_path / "cli"
    args = ["prepare", str(photos), "--out", str(out), "--size", "32", "--limit", "4"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert '"counts"' in printed and "Prepared" in printed
    assert json.loads((out / "manifest.json").read_text())["counts"]["inputs"] == 4
    assert main(args) == 0
    assert "up to date" in capsys.readouterr().out
    assert main(["prepare", str(photos), "--out", str(photos / "x")]) == 2
    assert "overlap" in capsys.readouterr().err
