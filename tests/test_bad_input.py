"""Bad input gets a clear error before any work, or a skip that is counted and listed.

The broken files come from `broken_files`, made afresh by each test.
"""

import builtins
import contextlib
import errno
import json
import os
import signal
import warnings

import cv2
import numpy as np
import pytest
import tensorflow as tf
from broken_files import (
    AWKWARD,
    BAD,
    ENTRIES,
    encode,
    jpeg_bytes,
    make_entries,
    oriented,
    picture,
    png_bytes,
    truncated,
    with_exif_orientation,
    write_corpus,
)

from pix2pix_tf.cli import main
from pix2pix_tf.data import image_checks, image_headers, sources
from pix2pix_tf.data.file_names import shown
from pix2pix_tf.data.pipeline import make_dataset
from pix2pix_tf.data.prepare import prepare
from pix2pix_tf.tasks.pairs import task_pairs
from pix2pix_tf.training import TrainConfig, train

# What the reason for each bad file must say.
REASONS = {
    "zero_byte": "empty file",
    "not_an_image": "not an image: it starts with b'<html>",
    "truncated_jpeg": "truncated JPEG",
    "truncated_png": "truncated PNG",
    "corrupt_png": "damaged PNG: its IDAT chunk fails its checksum",
    "tiny": "too small: 3x2 pixels",
    "huge": "too large: 40000x40000 pixels",
}
# Settings of a run that, were the check missing, would end in seconds rather than train.
TINY_RUN = {"steps": 1, "base_filters": 4, "disc_layers": 1}
# Truncated files of the other formats tf.io.decode_image reads.
TRUNCATED = {
    f"truncated_{ext[1:]}": (f"cut{ext}", lambda ext=ext: truncated(encode(picture(), ext)))
    for ext in (".bmp", ".gif", ".webp")
}


@contextlib.contextmanager
def deadline(seconds=60):
    """Fails the test, rather than hanging it, if the block takes over ``seconds``."""

    def expire(signum, frame):
        raise TimeoutError(f"still running after {seconds} s: it hangs")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def good_folder(folder, count=3):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"good{i}.png").write_bytes(png_bytes(picture()))
    return folder


def decoded(data):
    """What TensorFlow decodes from ``data``, as uint8 RGB."""
    return tf.io.decode_image(data, channels=3, expand_animations=False).numpy()


# --- loading folders: bad files are left out, counted and named ----------------------------


@pytest.mark.parametrize("case", sorted(REASONS))
def test_each_bad_file_is_skipped_with_its_reason(tmp_path, case):
    path = write_corpus(good_folder(tmp_path), {case: BAD[case]})[case]
    with pytest.warns(UserWarning, match="Skipped 1 of 4 image files") as caught:
        paths = image_checks.list_images(tmp_path)
    assert str(path) not in paths and len(paths) == 3
    message = str(caught[0].message)
    assert f"{path.name}: {REASONS[case]}" in message
    assert "manifest.json" in message, "the warning should say where every skip is listed"


@pytest.mark.parametrize("case", sorted(TRUNCATED))
def test_truncated_files_of_every_format_are_skipped(tmp_path, case):
    path = write_corpus(good_folder(tmp_path, 1), {case: TRUNCATED[case]})[case]
    with pytest.warns(UserWarning, match="truncated"):
        assert image_checks.list_images(tmp_path) == [str(tmp_path / "good0.png")]
    assert image_checks.check_image_file(path).startswith("truncated ")


def test_whole_files_of_every_format_pass_the_check(tmp_path):
    for ext in (".png", ".jpg", ".bmp", ".gif", ".webp"):
        (tmp_path / f"x{ext}").write_bytes(encode(picture(), ext))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paths = image_checks.list_images(tmp_path)
    assert len(paths) == 5
    for path in paths:
        info = image_headers.image_info(path)
        assert (info.height, info.width) == picture().shape[:2], path


def test_a_jpeg_with_trailing_bytes_after_its_end_is_whole(tmp_path):
    path = tmp_path / "trailer.jpg"
    path.write_bytes(jpeg_bytes(picture()) + b"camera trailer " * 5000)
    assert image_checks.check_image_file(path) is None


@pytest.mark.parametrize("case", sorted(ENTRIES))
def test_entries_that_are_no_plain_files_are_skipped_with_their_reason(tmp_path, case):
    path = make_entries(good_folder(tmp_path), [case])[case]
    with deadline(), pytest.warns(UserWarning, match="Skipped 1 of 4 image files") as caught:
        paths = image_checks.list_images(tmp_path)
    assert str(path) not in paths and len(paths) == 3
    assert f"{shown(path.name)}: {ENTRIES[case][1]}" in str(caught[0].message)


def test_scan_counts_by_kind_and_lists_every_skip(tmp_path):
    paths = write_corpus(good_folder(tmp_path, 2), {**BAD, **TRUNCATED})
    scan = image_checks.scan_images(tmp_path)
    assert len(scan.paths) == 2
    assert sorted(s["source"] for s in scan.skipped) == sorted(str(p) for p in paths.values())
    counts = scan.counts()
    assert counts["usable"] == 2 and counts["skipped"] == len(BAD) + len(TRUNCATED)
    assert counts["too small"] == counts["too large"] == counts["empty file (0 bytes)"] == 1
    assert counts["truncated PNG"] == 1 and counts["damaged PNG"] == 1


def test_limits_can_be_changed(tmp_path):
    (tmp_path / "a.png").write_bytes(png_bytes(picture()))  # 32x24
    assert image_checks.check_image_file(tmp_path / "a.png", max_pixels=500).startswith("too large")
    assert image_checks.check_image_file(tmp_path / "a.png", min_side=25).startswith("too small")
    assert image_checks.check_image_file(tmp_path / "a.png") is None


def test_a_folder_of_only_bad_files_is_a_clear_error(tmp_path):
    write_corpus(tmp_path, BAD)
    with pytest.raises(ValueError, match="None of the image files .* can be used") as error:
        image_checks.list_images(tmp_path)
    assert "empty.jpg: empty file" in str(error.value)


def test_a_changed_file_is_checked_again(tmp_path):
    path = tmp_path / "a.png"
    path.write_bytes(png_bytes(picture()))
    assert image_checks.check_image_file(path) is None
    path.write_bytes(truncated(png_bytes(picture())))
    assert image_checks.check_image_file(path).startswith("truncated PNG")


def test_a_folder_with_every_kind_of_bad_file_trains_through_an_epoch(tmp_path):
    write_corpus(good_folder(tmp_path), {**BAD, **AWKWARD, **TRUNCATED})
    with pytest.warns(UserWarning, match="Skipped 10 of 19"):
        images = sources.image_folder_dataset(tmp_path)
    pairs = images.map(lambda x: (x, x))
    count = sum(int(a.shape[0]) for a, _ in make_dataset(pairs, (16, 16), batch_size=1))
    assert count == 3 + len(AWKWARD)


def test_training_data_from_a_folder_skips_bad_files(tmp_path):
    write_corpus(good_folder(tmp_path, 10), BAD)
    # The train split is 80% of all 17 files; its bad ones are left out after splitting.
    with pytest.warns(UserWarning, match=r"Skipped \d of 14 ") as caught:
        pairs = task_pairs("autoencoder", str(tmp_path), "train")
    skipped = int(str(caught[0].message).split()[1])
    assert skipped > 0
    assert int(pairs.cardinality()) == 14 - skipped
    assert len(list(pairs.as_numpy_iterator())) == 14 - skipped


def test_side_by_side_pairs_skip_bad_files(tmp_path):
    image = np.concatenate([picture(), picture()[:, ::-1]], axis=1)
    (tmp_path / "pair.png").write_bytes(png_bytes(image))
    write_corpus(tmp_path, {"truncated_png": BAD["truncated_png"]})
    with pytest.warns(UserWarning, match="truncated.png: truncated PNG"):
        ((a, b),) = list(sources.side_by_side_dataset(tmp_path).as_numpy_iterator())
    np.testing.assert_array_equal(a, picture())
    np.testing.assert_array_equal(b, picture()[:, ::-1])


# --- awkward but valid files are read right -------------------------------------------------


def test_16_bit_png_becomes_8_bit(tmp_path):
    path = write_corpus(tmp_path, {"png16": AWKWARD["png16"]})["png16"]
    loaded = sources.load_image(str(path)).numpy()
    assert loaded.dtype == np.uint8
    # The high byte, give or take the rounding of 65535 -> 255.
    assert np.abs(loaded.astype(int) - picture()).max() <= 1


@pytest.mark.parametrize("case", ["grayscale", "gray_alpha"])
def test_gray_images_repeat_their_gray_in_rgb(tmp_path, case):
    path = write_corpus(tmp_path, {case: AWKWARD[case]})[case]
    loaded = sources.load_image(str(path)).numpy()
    gray = picture(channels=1)
    np.testing.assert_array_equal(loaded, np.repeat(gray, 3, axis=-1))
    np.testing.assert_array_equal(sources.load_image(str(path), channels=1).numpy(), gray)


def test_rgba_drops_alpha(tmp_path):
    path = write_corpus(tmp_path, {"rgba": AWKWARD["rgba"]})["rgba"]
    np.testing.assert_array_equal(sources.load_image(str(path)).numpy(), picture())


def test_palette_png_gives_its_colours(tmp_path):
    path = write_corpus(tmp_path, {"palette": AWKWARD["palette"]})["palette"]
    loaded = sources.load_image(str(path)).numpy()
    colours = np.array([(255, 0, 0), (0, 255, 0), (0, 0, 255), (9, 9, 9)], np.uint8)
    indices = np.arange(loaded.shape[0] * loaded.shape[1]).reshape(loaded.shape[:2]) % 256 % 4
    np.testing.assert_array_equal(loaded, colours[indices])


@pytest.mark.parametrize("byte_order", ["MM", "II"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_rotated_jpeg_is_turned_upright(tmp_path, orientation, byte_order):
    plain = jpeg_bytes(picture())
    path = tmp_path / "photo.jpg"
    path.write_bytes(with_exif_orientation(plain, orientation, byte_order))
    loaded = sources.load_image(str(path)).numpy()
    np.testing.assert_array_equal(loaded, oriented(decoded(plain), orientation))
    assert image_headers.image_info(path).orientation == orientation


def test_exif_orientation_is_read_inside_tf_data(tmp_path):
    path = tmp_path / "portrait.jpg"
    path.write_bytes(with_exif_orientation(jpeg_bytes(picture()), 6))
    (image,) = list(sources.image_folder_dataset(tmp_path).as_numpy_iterator())
    assert image.shape == (32, 24, 3), "a portrait photo must come out upright"


# --- prepare: every skip is counted and listed in the manifest ------------------------------


def test_prepare_counts_and_lists_each_bad_file_with_its_reason(tmp_path):
    source = good_folder(tmp_path / "photos", 4)
    write_corpus(source, {**BAD, **AWKWARD})
    manifest = prepare(source, tmp_path / "out", size=(16, 16), faces="none", progress=False)
    skipped = {s["source"].split("/", 1)[1]: s for s in manifest["skipped"]}
    assert sorted(skipped) == sorted(name for name, _ in BAD.values())
    assert manifest["counts"]["skipped"] == len(BAD)
    assert manifest["counts"]["written"] == 4 + len(AWKWARD)
    assert skipped["tiny.png"]["reason"].startswith("too small: 3x2 pixels")
    assert skipped["huge.png"]["reason"].startswith("too large: 40000x40000")
    assert skipped["truncated.jpg"]["reason"] == "unreadable image"
    assert skipped["truncated.jpg"]["detail"].startswith("truncated JPEG")
    assert skipped["corrupt.png"]["detail"].startswith("damaged PNG")
    assert manifest["reasons"] == {"too large": 1, "too small": 1, "unreadable image": 5}
    on_disk = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert on_disk["skipped"] == manifest["skipped"]


@pytest.mark.parametrize("case", sorted(ENTRIES))
def test_prepare_skips_entries_that_are_no_plain_files_without_hanging(tmp_path, case):
    source = good_folder(tmp_path / "photos", 4)
    path = make_entries(source, [case])[case]
    with deadline():
        manifest = prepare(source, tmp_path / "out", size=(16, 16), faces="none", progress=False)
    (skipped,) = manifest["skipped"]
    assert skipped["source"] == f"photos/{shown(path.name)}"
    assert skipped["reason"] == "unreadable image"
    assert skipped["detail"].startswith(ENTRIES[case][1])
    assert manifest["counts"]["written"] == 4 and manifest["counts"]["skipped"] == 1
    json.dumps(manifest, ensure_ascii=False).encode("utf-8")  # printable, names and all


def _refuse_to_open(monkeypatch, path):
    """Makes every way this process opens ``path`` fail with EACCES, as for a non-root user."""
    denied = PermissionError(errno.EACCES, "Permission denied", str(path))
    real_open, real_os_open = builtins.open, os.open

    def fake_open(file, *args, **kwargs):
        if os.fspath(file) == str(path):
            raise denied
        return real_open(file, *args, **kwargs)

    def fake_os_open(file, *args, **kwargs):
        if os.fspath(file) == str(path):
            raise denied
        return real_os_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(os, "open", fake_os_open)


def test_prepare_skips_a_file_it_may_not_read(tmp_path, monkeypatch):
    source = good_folder(tmp_path / "photos", 4)
    locked = source / "locked.png"
    locked.write_bytes(png_bytes(picture()))
    _refuse_to_open(monkeypatch, locked)
    manifest = prepare(source, tmp_path / "out", size=(16, 16), faces="none", progress=False)
    (skipped,) = manifest["skipped"]
    assert skipped["source"] == "photos/locked.png"
    assert skipped["detail"] == "cannot be read: Permission denied"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_prepare_skips_a_file_without_read_permission(tmp_path):
    source = good_folder(tmp_path / "photos", 4)
    locked = source / "locked.png"
    locked.write_bytes(png_bytes(picture()))
    locked.chmod(0)
    manifest = prepare(source, tmp_path / "out", size=(16, 16), faces="none", progress=False)
    assert manifest["skipped"][0]["detail"] == "cannot be read: Permission denied"


def test_prepare_follows_a_link_to_a_photo_outside_the_source(tmp_path):
    source = good_folder(tmp_path / "photos", 2)
    (tmp_path / "elsewhere.png").write_bytes(png_bytes(picture()))
    (source / "linked.png").symlink_to(tmp_path / "elsewhere.png")
    manifest = prepare(source, tmp_path / "out", size=(16, 16), faces="none", progress=False)
    assert manifest["counts"]["written"] == 3


def test_prepare_writes_names_that_differ_only_by_case_to_two_files(tmp_path):
    source = tmp_path / "photos"
    source.mkdir()
    for i in range(4):  # most of them land in one split
        (source / f"dup{i}.jpg").write_bytes(jpeg_bytes(picture()))
        (source / f"dup{i}.JPG").write_bytes(jpeg_bytes(picture()[::-1]))
    (source / "Dup0.png").write_bytes(png_bytes(picture()[:, ::-1]))
    manifest = prepare(source, tmp_path / "out", size=(16, 16), faces="none", progress=False)
    on_disk = [p.relative_to(tmp_path / "out") for p in (tmp_path / "out").glob("*/*.jpg")]
    assert manifest["counts"]["written"] == len(on_disk) == 9
    # Unique ignoring case too: macOS and Windows folders hold one of dup.jpg and DUP.jpg.
    assert len({str(path).casefold() for path in on_disk}) == 9


def test_training_reads_a_folder_with_a_name_that_is_not_utf8(tmp_path):
    make_entries(good_folder(tmp_path, 10), ["non_utf8_name"])
    with pytest.warns(UserWarning, match=r"caf\\xe9.png: file name not UTF-8"):
        pairs = [task_pairs("autoencoder", str(tmp_path), s) for s in ("train", "val", "test")]
    assert sum(len(list(p.as_numpy_iterator())) for p in pairs) == 10


@pytest.mark.parametrize("damaged", ["manifest.json", "landmarks.json"])
def test_a_damaged_dataset_file_is_named_with_what_to_do(tmp_path, damaged):
    source = good_folder(tmp_path / "photos", 10)
    prepare(source, tmp_path / "ready", size=(16, 16), faces="none", progress=False)
    (tmp_path / "ready" / damaged).write_bytes(b"\xff\xfe garbage")
    with pytest.raises(ValueError, match=f"{damaged} is damaged.*prepare` again with --force"):
        task_pairs("autoencoder", str(tmp_path / "ready"), "train")


def test_prepare_turns_exif_rotated_photos_upright(tmp_path):
    source = tmp_path / "photos"
    source.mkdir()
    image = picture((48, 64))
    (source / "rotated.jpg").write_bytes(with_exif_orientation(jpeg_bytes(image), 6))
    (source / "upright.png").write_bytes(png_bytes(oriented(image, 6)))
    prepare(source, tmp_path / "out", size=(32, 24), faces="none", progress=False)
    written = {p.stem: cv2.imread(str(p)) for p in (tmp_path / "out").glob("*/*.jpg")}
    assert np.abs(written["rotated"].astype(int) - written["upright"]).mean() < 4


# --- pairs ----------------------------------------------------------------------------------


def test_pairs_of_different_sizes_are_resized_alike():
    rows, cols = np.mgrid[0:12, 0:16]
    scene = 128 + 100 * np.sin(cols / 2.5 + np.arange(4)[:, None, None]) * np.cos(rows / 3)
    small = scene.round().astype(np.uint8)[..., None]
    large = np.repeat(np.repeat(np.repeat(small, 2, axis=1), 2, axis=2), 3, axis=-1)
    pairs = sources.array_dataset(small, large)  # inputs 12x16 gray, targets 24x32 RGB
    for inp, tar in make_dataset(pairs, (8, 8), batch_size=2, seed=3):
        # The same scene at two resolutions stays one scene after jitter and flips.
        assert np.abs(tar.numpy() - np.repeat(inp.numpy(), 3, axis=-1)).mean() < 0.05


def test_a_paired_task_on_single_photos_is_refused_before_any_work(tmp_path):
    good_folder(tmp_path / "photos", 10)
    config = TrainConfig(
        task="mugshot", data=str(tmp_path / "photos"), image_size=(32, 32), **TINY_RUN
    )
    with pytest.raises(ValueError, match=r"needs \(input, target\) pairs.*good0.png is 32x24"):
        train(config, tmp_path / "run")
    assert not (tmp_path / "run" / "config.json").exists()


def test_a_paired_task_on_a_prepared_single_photo_dataset_is_refused(tmp_path):
    source = good_folder(tmp_path / "photos", 10)
    prepare(source, tmp_path / "ready", size=(32, 32), faces="none", progress=False)
    config = TrainConfig(
        task="mugshot", data=str(tmp_path / "ready"), image_size=(32, 32), **TINY_RUN
    )
    with pytest.raises(ValueError, match="prepared from single photos"):
        train(config, tmp_path / "run")


# --- settings that cannot work fail before any work -----------------------------------------


def test_an_image_size_that_does_not_fit_the_depth_fails_at_once():
    with pytest.raises(ValueError, match=r"does not fit a depth-5 network.*48 -> 64"):
        TrainConfig(image_size=(48, 48), depth=5)


def test_a_wrong_data_folder_leaves_the_run_directory_free(tmp_path):
    config = TrainConfig(
        task="autoencoder", data=str(tmp_path / "nope"), image_size=(32, 32), **TINY_RUN
    )
    with pytest.raises(FileNotFoundError, match="does not exist"):
        train(config, tmp_path / "run")
    # Nothing ties the folder to the wrong settings: the corrected command can use it.
    assert not (tmp_path / "run" / "config.json").exists()


def test_prepare_into_an_unwritable_place_fails_before_any_work(tmp_path, capsys):
    source = good_folder(tmp_path / "photos", 2)
    (tmp_path / "file").write_text("a file, not a folder")
    argv = ["prepare", str(source), "--out", str(tmp_path / "file" / "out"), "--faces", "none"]
    assert main(argv) == 2
    assert "Cannot write the dataset" in capsys.readouterr().err


def test_a_huge_image_does_not_crash_prepare(tmp_path):
    source = good_folder(tmp_path / "photos", 2)
    write_corpus(source, {"huge": BAD["huge"]})
    manifest = prepare(source, tmp_path / "out", size=(16, 16), faces="none", progress=False)
    assert manifest["counts"]["written"] == 2 and manifest["counts"]["skipped"] == 1


def test_a_file_that_breaks_moves_no_other_file_between_splits(tmp_path):
    from pix2pix_tf.data.photos import SPLITS, split_files

    folder = good_folder(tmp_path / "photos", count=20)
    before = {s: split_files(str(folder), s, seed=0) for s in SPLITS}
    broken = before["train"][0]
    with open(broken, "wb") as f:
        f.write(b"")
    with pytest.warns(UserWarning, match="empty file"):
        after = {s: split_files(str(folder), s, seed=0) for s in SPLITS}
    assert after["train"] == before["train"][1:]
    assert after["val"] == before["val"] and after["test"] == before["test"]
