import os

import cv2
import numpy as np
import pytest

from pix2pix_tf.data import image_checks
from pix2pix_tf.data import sources as S


def write(path, image):
    """Writes an RGB(A) or gray uint8 image; cv2 expects BGR order."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if image.ndim == 3 and image.shape[2] >= 3:
        image = cv2.cvtColor(
            image, cv2.COLOR_RGB2BGR if image.shape[2] == 3 else cv2.COLOR_RGBA2BGRA
        )
    assert cv2.imwrite(str(path), image)


def solid(height, width, value, channels=3):
    return np.full((height, width, channels), value, np.uint8)


@pytest.fixture
def tree(tmp_path):
    write(tmp_path / "a.png", solid(8, 8, 1))
    write(tmp_path / "B.JPG", solid(8, 8, 2))
    write(tmp_path / "sub" / "c.jpeg", solid(8, 8, 3))
    write(tmp_path / "sub" / "deeper" / "d.Bmp", solid(8, 8, 4))
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "sub" / "e.png.txt").write_text("not an image")
    (tmp_path / "._a.png").write_bytes(b"macOS resource fork")
    return tmp_path


def test_list_images_recursive_sorted_case_insensitive(tree):
    paths = image_checks.list_images(tree)
    names = [os.path.relpath(p, tree) for p in paths]
    assert names == ["B.JPG", "a.png", "sub/c.jpeg", "sub/deeper/d.Bmp"]


def test_list_images_top_level_only(tree):
    names = [os.path.basename(p) for p in image_checks.list_images(tree, recursive=False)]
    assert names == ["B.JPG", "a.png"]


def test_list_images_filters_by_extension(tree):
    names = [os.path.basename(p) for p in image_checks.list_images(tree, extensions=(".PNG",))]
    assert names == ["a.png"]


def test_list_images_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        image_checks.list_images(tmp_path / "nope")


def test_list_images_empty_folder_names_the_extensions(tmp_path):
    (tmp_path / "readme.txt").write_text("hi")
    with pytest.raises(ValueError, match=r"No images \(\.png, \.jpg"):
        image_checks.list_images(tmp_path)


def test_list_images_rejects_undecodable_extensions(tree):
    with pytest.raises(ValueError, match="tif"):
        image_checks.list_images(tree, extensions=(".png", ".tif"))


@pytest.mark.parametrize("ext", [".png", ".bmp", ".webp"])
def test_image_folder_dataset_decodes_rgb_in_order(tmp_path, ext):
    image = np.zeros((9, 11, 3), np.uint8)
    image[..., 0] = 200  # pure red: catches a BGR/RGB swap
    image[0, 0] = (1, 2, 3)
    params = [cv2.IMWRITE_WEBP_QUALITY, 101] if ext == ".webp" else []  # 101 = lossless
    os.makedirs(tmp_path / "x", exist_ok=True)
    cv2.imwrite(str(tmp_path / "x" / f"img{ext}"), cv2.cvtColor(image, cv2.COLOR_RGB2BGR), params)
    (decoded,) = list(S.image_folder_dataset(tmp_path / "x").as_numpy_iterator())
    assert decoded.dtype == np.uint8
    np.testing.assert_array_equal(decoded, image)


def test_image_folder_dataset_converts_channels(tree):
    write(tree / "gray.png", np.arange(96, dtype=np.uint8).reshape(8, 12))
    write(tree / "rgba.png", solid(8, 8, 9, channels=4))
    write(tree / "anim.gif", solid(9, 9, 0))
    ds = S.image_folder_dataset(tree, channels=3)
    assert ds.element_spec.shape.as_list() == [None, None, 3]
    paths = image_checks.list_images(tree)
    images = {os.path.basename(p): x for p, x in zip(paths, ds.as_numpy_iterator())}
    assert images["gray.png"].shape == (8, 12, 3)
    np.testing.assert_array_equal(images["gray.png"][..., 2], np.arange(96).reshape(8, 12))
    np.testing.assert_array_equal(images["rgba.png"], solid(8, 8, 9))
    assert images["anim.gif"].shape == (9, 9, 3)
    gray = list(S.image_folder_dataset(tree, channels=1).as_numpy_iterator())
    assert all(x.shape[2] == 1 for x in gray)


def side_by_side(height, width_a, width_b):
    return np.concatenate([solid(height, width_a, 10), solid(height, width_b, 200)], axis=1)


def test_side_by_side_splits_a_to_b(tmp_path):
    write(tmp_path / "p.png", side_by_side(8, 8, 8))
    ((inp, tar),) = list(S.side_by_side_dataset(tmp_path).as_numpy_iterator())
    assert inp.shape == tar.shape == (8, 8, 3)
    assert np.all(inp == 10) and np.all(tar == 200)


def test_side_by_side_splits_b_to_a(tmp_path):
    write(tmp_path / "p.png", side_by_side(8, 8, 8))
    ((inp, tar),) = list(S.side_by_side_dataset(tmp_path, direction="BtoA").as_numpy_iterator())
    assert np.all(inp == 200) and np.all(tar == 10)


def test_side_by_side_odd_width_gives_b_the_extra_column(tmp_path):
    write(tmp_path / "p.png", side_by_side(8, 8, 9))
    ((inp, tar),) = list(S.side_by_side_dataset(tmp_path, channels=1).as_numpy_iterator())
    assert inp.shape == (8, 8, 1) and tar.shape == (8, 9, 1)
    assert np.all(inp == 10) and np.all(tar == 200)


def test_side_by_side_rejects_bad_direction(tmp_path):
    write(tmp_path / "p.png", side_by_side(8, 8, 8))
    with pytest.raises(ValueError, match="AtoB"):
        S.side_by_side_dataset(tmp_path, direction="A2B")


def test_array_dataset_pairs_by_index():
    inputs = np.arange(3 * 2 * 2, dtype=np.uint8).reshape(3, 2, 2, 1)
    targets = np.zeros((3, 4, 4, 3), np.uint8)
    ds = S.array_dataset(inputs, targets)
    assert [s.shape.as_list() for s in ds.element_spec] == [[2, 2, 1], [4, 4, 3]]
    got = [inp for inp, _ in ds.as_numpy_iterator()]
    np.testing.assert_array_equal(np.stack(got), inputs)


@pytest.mark.parametrize(
    "inputs, targets, message",
    [
        (np.zeros((3, 4, 4, 1), np.uint8), np.zeros((2, 4, 4, 3), np.uint8), "3 and 2"),
        (np.zeros((3, 4, 4), np.uint8), np.zeros((3, 4, 4, 3), np.uint8), r"x\[\.\.\., None\]"),
        (np.zeros((3, 4, 4, 1), np.float32), np.zeros((3, 4, 4, 3), np.uint8), "uint8"),
        (np.zeros((0, 4, 4, 1), np.uint8), np.zeros((0, 4, 4, 3), np.uint8), "empty"),
    ],
)
def test_array_dataset_shape_errors(inputs, targets, message):
    with pytest.raises(ValueError, match=message):
        S.array_dataset(inputs, targets)


def test_split_paths_sizes_cover_and_order():
    paths = [f"img{i:03d}.png" for i in range(100)]
    train, val, test = S.split_paths(paths)
    assert (len(train), len(val), len(test)) == (80, 10, 10)
    assert sorted(train + val + test) == paths
    for part in (train, val, test):
        assert part == sorted(part)
    assert train != paths[:80], "the split should be random, not the first 80"


def test_split_paths_is_deterministic_per_seed():
    paths = [f"{i}" for i in range(50)]
    assert S.split_paths(paths, seed=3) == S.split_paths(paths, seed=3)
    assert S.split_paths(paths, seed=3) != S.split_paths(paths, seed=4)


def test_split_paths_rounds_to_the_total():
    parts = S.split_paths(list(range(7)), fractions=(0.5, 0.25, 0.25))
    assert sum(len(p) for p in parts) == 7
    assert len(S.split_paths(list(range(10)), fractions=(0.7, 0.3))) == 2


@pytest.mark.parametrize("fractions", [(0.8, 0.1), (1.2, -0.1, -0.1), ()])
def test_split_paths_rejects_bad_fractions(fractions):
    with pytest.raises(ValueError, match="fractions"):
        S.split_paths(["a", "b"], fractions=fractions)
