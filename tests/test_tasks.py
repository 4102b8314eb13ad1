import numpy as np
import pytest
import tensorflow as tf

from pix2pix_tf.data.task_data import split_range, task_pairs
from pix2pix_tf.tasks import TASKS, Task, get_task, register_task


def test_foundation_tasks_are_registered():
    assert {"mugshot", "autoencoder", "colorization"} <= set(TASKS)
    assert get_task("mugshot").paired and not get_task("mugshot").flip
    with pytest.raises(ValueError, match="Known tasks: .*colorization"):
        get_task("sketch")


def test_register_rejects_duplicates_and_missing_inputs():
    with pytest.raises(ValueError, match="already registered"):
        register_task(Task("mugshot", "again", paired=True))
    with pytest.raises(ValueError, match="needs make_input"):
        register_task(Task("unpaired_without_input", "broken"))


def test_split_ranges_cover_everything_once():
    ranges = [split_range(50, s) for s in ("train", "val", "test")]
    assert ranges == [(0, 40), (40, 45), (45, 50)]


@pytest.mark.parametrize(
    "task, in_channels",
    [("mugshot", 3), ("autoencoder", 3), ("colorization", 1)],
)
def test_synthetic_pairs_shapes_and_content(task, in_channels):
    pairs = task_pairs(task, "synthetic", "val", image_size=(32, 48), num_faces=20)
    assert int(pairs.cardinality()) == 2
    (a, b), *_ = list(pairs.as_numpy_iterator())
    assert a.shape == (32, 48, in_channels) and b.shape == (32, 48, 3)
    assert a.dtype == b.dtype == np.uint8
    if task == "autoencoder":
        np.testing.assert_array_equal(a, b)
    if task == "colorization":
        gray = b.astype(float) @ [0.2989, 0.587, 0.114]
        assert np.abs(a[..., 0] - gray).max() <= 2
    if task == "mugshot":
        assert np.abs(a.astype(int) - b).mean() > 5  # front and profile differ


def test_splits_hold_different_people():
    train = [a for a, _ in task_pairs("mugshot", split="train", image_size=(32, 32), num_faces=20)]
    test = [a for a, _ in task_pairs("mugshot", split="test", image_size=(32, 32), num_faces=20)]
    assert len(train) == 16 and len(test) == 2
    assert not any(np.array_equal(t, s) for t in test for s in train)


def write_png(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    tf.io.write_file(str(path), tf.io.encode_png(array))


def test_folder_of_photos_is_split_by_file(tmp_path):
    for i in range(10):
        write_png(tmp_path / f"{i}.png", np.full((8, 8, 3), i * 20, np.uint8))
    sizes = [
        int(task_pairs("autoencoder", str(tmp_path), s).cardinality())
        for s in ("train", "val", "test")
    ]
    assert sizes == [8, 1, 1]


def test_prepared_side_by_side_folder_for_paired_task(tmp_path):
    image = np.concatenate([np.full((8, 8, 3), 10, np.uint8), np.full((8, 8, 3), 200, np.uint8)], 1)
    for split in ("train", "val", "test"):
        write_png(tmp_path / split / "pair.png", image)
    ((a, b),) = list(task_pairs("mugshot", str(tmp_path), "val").as_numpy_iterator())
    assert (a == 10).all() and (b == 200).all()
    ((a, b),) = list(
        task_pairs("mugshot", str(tmp_path), "val", direction="BtoA").as_numpy_iterator()
    )
    assert (a == 200).all() and (b == 10).all()


def test_paired_task_on_single_photos_explains():
    photos = tf.data.Dataset.from_tensors(tf.zeros((8, 8, 3), tf.uint8))
    with pytest.raises(ValueError, match="needs paired data"):
        get_task("mugshot").pairs_from_images(photos)
