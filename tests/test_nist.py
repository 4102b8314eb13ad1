"""NIST SD18 mugshots: pairing, mirroring, skips with counts, person-disjoint splits."""

import cv2
import numpy as np
import pytest
from face_fixtures import NIST_SIZE, NOSE, subject_code, write_nist_tree

from pix2pix_tf.data import nist
from pix2pix_tf.data.photos import source_kind
from pix2pix_tf.tasks.pairs import task_pairs


@pytest.fixture(scope="module")
def sd18(tmp_path_factory):
    return write_nist_tree(tmp_path_factory.mktemp("nist"))


def test_scan_pairs_fronts_with_profiles_and_counts_skips(sd18):
    index = nist.scan(sd18)
    assert index.counts() == {
        "images": 47,
        "subjects": 24,
        "pairs": 22,  # 20 people with one of each, and both fronts of person 21
        "paired_subjects": 21,
        "skipped_subjects": {"no front view": 2, "no profile view": 1},
        "ignored_files": 1,
    }
    assert index.skipped == {"no profile view": ["00022"], "no front view": ["00023", "00024"]}
    for pair in index.pairs:
        assert pair.front.endswith("_F.png") and f"/{pair.subject}_" in pair.profile
        assert pair.mirror == (pair.view == "L")
    assert index.metadata[index.pairs[0].front] == {"Gender": "M", "Age": "21"}


def test_each_front_gets_the_profile_of_its_own_sitting(sd18):
    by_front = {p.front.rsplit("/", 1)[1]: p for p in nist.scan(sd18).pairs if p.subject == "00021"}
    assert by_front["00021_01_F.png"].profile.endswith("00021_01_L.png")
    assert by_front["00021_02_F.png"].profile.endswith("00021_02_R.png")


def test_keep_leaves_left_profiles_unmirrored(sd18):
    assert not any(p.mirror for p in nist.scan(sd18, profiles="keep").pairs)
    with pytest.raises(ValueError, match="profiles must be one of"):
        nist.scan(sd18, profiles="left")


def test_splits_are_person_disjoint_and_cover_everyone(sd18):
    pairs = nist.scan(sd18).pairs
    people = [
        {p.subject for p in nist.split_pairs(pairs, s, seed=3)} for s in ("train", "val", "test")
    ]
    assert sum(map(len, people)) == 21 == len(set.union(*people))
    assert [len(p) for p in people] == [17, 2, 2]
    assert people != [
        {p.subject for p in nist.split_pairs(pairs, s, seed=4)} for s in ("train", "val", "test")
    ]


def _load(dataset):
    return [(a.numpy(), b.numpy()) for a, b in dataset]


def test_loaded_pairs_show_one_person_and_profiles_face_right(sd18):
    for split in ("train", "val", "test"):
        for front, profile in _load(nist.nist_pairs(sd18, split, channels=1)):
            assert front.shape == profile.shape == (*NIST_SIZE, 1)
            assert front[0, 0, 0] == profile[0, NIST_SIZE[1] // 2, 0]  # same person
            assert (profile[5, -3:] == NOSE).all() and (profile[5, :3] != NOSE).all()


def test_keep_loads_left_profiles_facing_left_in_rgb(sd18):
    profiles = [b for _, b in _load(nist.nist_pairs(sd18, "train", profiles="keep", channels=3))]
    assert profiles[0].shape == (*NIST_SIZE, 3)
    left = [b for b in profiles if (b[5, :3] == NOSE).all()]
    assert 0 < len(left) < len(profiles)


def test_task_pairs_reads_nist_for_the_mugshot_task(sd18):
    assert source_kind(sd18) == "nist"
    pairs = _load(task_pairs("mugshot", sd18, "val"))
    assert len(pairs) == 2 and pairs[0][0].shape == (*NIST_SIZE, 3)
    codes = {subject_code(s) for s in range(1, 22)}
    assert all(a[0, 0, 0] in codes for a, _ in pairs)
    # Tasks made from single photos get the front views of the same split.
    (a, b), *_ = _load(task_pairs("colorization", sd18, "val"))
    assert a.shape == (*NIST_SIZE, 1) and np.all(b[5] == b[5, 0])


def test_btoa_reads_raw_nist_as_profile_to_front(sd18):
    forward = _load(task_pairs("mugshot", sd18, "val"))
    backward = _load(task_pairs("mugshot", sd18, "val", direction="BtoA"))
    assert len(backward) == len(forward) == 2
    for (front, profile), (b_input, b_target) in zip(forward, backward):
        assert (b_input == profile).all() and (b_target == front).all()
        assert (b_input[5, -3:] == NOSE).all()  # the input is the profile, facing right


def test_a_larger_profile_photo_is_framed_at_the_scale_of_its_front():
    from pix2pix_tf.data.faces import FaceCut, warp

    rng = np.random.default_rng(0)
    front = rng.integers(0, 255, (40, 32), np.uint8)
    scene = cv2.resize(rng.integers(0, 255, (10, 8), np.uint8), (32, 40))
    profile = cv2.resize(scene, (64, 80), interpolation=cv2.INTER_NEAREST)  # twice the size
    matrix = np.array([[1.5, 0.1, -4.0], [-0.1, 1.5, -6.0]])
    front_cut = FaceCut(front, "aligned", None, matrix, np.zeros((5, 2)))
    cut = nist.profile_like_front(profile, front_cut, front.shape, (24, 24))
    assert cut.status == nist.FRAMED_LIKE_FRONT and cut.reason.startswith("no profile found")
    expected = warp(scene, matrix, (24, 24)).astype(int)
    assert np.abs(cut.image.astype(int) - expected)[4:-4, 4:-4].mean() < 12
    with pytest.raises(ValueError, match="front view was skipped"):
        nist.profile_like_front(profile, FaceCut(None, "skipped"), front.shape, (24, 24))


def test_errors_say_what_to_pass(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="No NIST SD18 images"):
        nist.scan(tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        nist.scan(tmp_path / "missing")


def test_read_metadata_keeps_free_text(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("Sex = F\nAge: 30\nfree text line\n")
    assert nist.read_metadata(path) == {"Sex": "F", "Age": "30", "text": "free text line"}


def test_a_pair_with_a_broken_file_is_left_out_with_a_warning(tmp_path):
    root = write_nist_tree(tmp_path)
    pairs = nist.split_pairs(nist.scan(root).pairs, "train", 0)
    with open(pairs[0].profile, "wb"):
        pass  # empty the file
    with pytest.warns(UserWarning, match="empty file"):
        loaded = _load(nist.nist_pairs(root, "train"))
    assert len(loaded) == len(pairs) - 1
