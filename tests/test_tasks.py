import numpy as np
import pytest
import tensorflow as tf

from pix2pix_tf.data.photos import split_range
from pix2pix_tf.tasks import TASKS, Task, get_task, register_task
from pix2pix_tf.tasks.pairs import task_pairs
from pix2pix_tf.training import TrainConfig


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


def test_btoa_turns_the_synthetic_faces_to_profile_to_front():
    options = dict(image_size=(32, 32), num_faces=20)
    forward = list(task_pairs("mugshot", "synthetic", "val", **options).as_numpy_iterator())
    backward = list(
        task_pairs("mugshot", "synthetic", "val", direction="BtoA", **options).as_numpy_iterator()
    )
    assert len(backward) == len(forward) == 2
    for (front, profile), (b_input, b_target) in zip(forward, backward):
        assert not (front == profile).all()
        assert (b_input == profile).all() and (b_target == front).all()


@pytest.mark.parametrize("task", ["occlusion", "colorization", "autoencoder"])
def test_btoa_of_a_task_made_from_photos_says_what_to_do(task):
    with pytest.raises(ValueError, match=f"{task}.*no reverse direction.*mugshot"):
        task_pairs(task, "synthetic", "val", image_size=(32, 32), num_faces=20, direction="BtoA")
    with pytest.raises(ValueError, match="no reverse direction: leave out --direction BtoA"):
        TrainConfig(task=task, direction="BtoA")


def test_btoa_of_a_cyclegan_and_unknown_directions_are_refused():
    with pytest.raises(ValueError, match="CycleGAN learns both directions.*predict.*BtoA"):
        TrainConfig(model="cyclegan", task="mugshot-unpaired", direction="BtoA")
    with pytest.raises(ValueError, match="direction must be one of"):
        TrainConfig(direction="backwards")
    with pytest.raises(ValueError, match="direction must be one of"):
        task_pairs("mugshot", "synthetic", "val", num_faces=20, direction="BtoA ")
    assert TrainConfig(direction="BtoA").direction == "BtoA"  # mugshot, paired


def test_paired_task_on_single_photos_explains():
    photos = tf.data.Dataset.from_tensors(tf.zeros((8, 8, 3), tf.uint8))
    with pytest.raises(ValueError, match="needs paired data"):
        get_task("mugshot").pairs_from_images(photos)


# --- the face experiments' tasks ------------------------------------------------------------

SELF_SUPERVISED = sorted(n for n, t in TASKS.items() if not t.paired)


@pytest.fixture(scope="module")
def photo_folder(tmp_path_factory):
    """A flat folder of ten face photos: 8 train, 1 val, 1 test."""
    from pix2pix_tf.data.synthetic import SyntheticFaces

    folder = tmp_path_factory.mktemp("photos")
    faces = SyntheticFaces(num_faces=10, image_size=(40, 32), seed=1)
    for i in range(10):
        write_png(folder / f"{i}.png", faces.front(i))
    return str(folder)


def test_every_experiment_task_is_registered():
    expected = {"occlusion", "occlusion-seed", "threshold", "contours", "canny", "noise", "average"}
    expected |= {"superres", "denoise", "noise2noise"}
    expected |= {f"occlusion-{k}" for k in ("mask", "blur", "partial", "full")}
    assert expected <= set(TASKS)


def check_pair(name, a, b):
    task = get_task(name)
    assert a.dtype == b.dtype == np.uint8
    assert a.shape == b.shape[:2] + (task.input_channels,) and b.shape[-1] == 3
    values = set(np.unique(a))
    if name == "threshold":
        assert values <= {0, 255} and len(values) == 2
    if name == "contours":
        assert values <= {0, 50, 100, 150, 200} and len(values) > 2
    if name == "canny":
        assert values <= {0, 255} and 0 < a.mean() < 128
    if name == "denoise":
        assert 15 < np.std(a.astype(int) - b) < 30  # sigma 25, clipped at 0 and 255
    if name == "noise2noise":  # a noisy target in training: twice the variance
        assert 15 < np.std(a.astype(int) - b) < 45
    if name == "superres":
        detail = lambda x: np.abs(np.diff(x.astype(int), axis=1)).mean()  # noqa: E731
        assert detail(a) < detail(b)
    if name.startswith("occlusion"):
        changed = np.any(a != b, axis=-1)
        assert 0 < changed.mean() < 0.9
    if name == "noise":
        assert abs(np.corrcoef(a.ravel(), b.ravel())[0, 1]) < 0.1
    if name in ("autoencoder",):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", SELF_SUPERVISED)
def test_task_on_synthetic_faces(name):
    pairs = list(task_pairs(name, "synthetic", "val", image_size=(32, 32), num_faces=30))
    assert len(pairs) == 3
    for a, b in pairs:
        check_pair(name, a.numpy(), b.numpy())


@pytest.mark.parametrize("name", SELF_SUPERVISED)
def test_task_on_a_folder_of_photos(name, photo_folder):
    pairs = list(task_pairs(name, photo_folder, "train").as_numpy_iterator())
    assert len(pairs) == 8
    for a, b in pairs:
        check_pair(name, a, b)


def test_average_pairs_each_person_with_another_of_the_split(photo_folder):
    pairs = list(task_pairs("average", photo_folder, "train").as_numpy_iterator())
    inputs = [a.tobytes() for a, _ in pairs]
    targets = [b.tobytes() for _, b in pairs]
    assert sorted(inputs) == sorted(targets)  # everyone is a target once
    assert all(a != b for a, b in zip(inputs, targets))  # never their own
    other = task_pairs("average", photo_folder, "train", seed=5).as_numpy_iterator()
    other = [b.tobytes() for _, b in other]
    assert other != targets  # the pairing is drawn from the seed


def test_noise2noise_trains_on_noisy_targets_and_scores_on_clean_ones():
    def first(split):
        ((a, b),) = task_pairs("noise2noise", split=split, image_size=(32, 32), num_faces=10).take(
            1
        )
        return a.numpy(), b.numpy()

    noisy_in, noisy_target = first("train")
    clean = next(iter(task_pairs("autoencoder", split="train", image_size=(32, 32), num_faces=10)))[
        1
    ]
    assert 15 < np.std(noisy_target.astype(int) - clean.numpy()) < 30  # the target is noisy too
    assert np.std(noisy_target.astype(int) - noisy_in) > 30  # with its own noise: 25 * sqrt(2)
    _, val_target = first("val")
    clean_val = next(
        iter(task_pairs("autoencoder", split="val", image_size=(32, 32), num_faces=10))
    )
    np.testing.assert_array_equal(val_target, clean_val[1].numpy())


def test_evaluation_occlusions_are_fixed_by_the_seed():
    from pix2pix_tf.tasks.pairs import masked_pairs

    def run(seed):
        data = masked_pairs("occlusion", split="test", image_size=(32, 32), num_faces=20, seed=seed)
        return [(a.numpy(), m.numpy()) for a, _, m in data]

    first, again, other = run(0), run(0), run(1)
    for (a, m), (a2, m2) in zip(first, again):
        np.testing.assert_array_equal(a, a2)
        np.testing.assert_array_equal(m, m2)
    assert any(not np.array_equal(m, m2) for (_, m), (_, m2) in zip(first, other))
    with pytest.raises(ValueError, match="has no mask"):
        masked_pairs("colorization")


def test_custom_occlusion_mix_and_options_are_checked():
    from pix2pix_tf.tasks import occlusion_task

    task = occlusion_task(("blur", "full"))
    assert task.name == "occlusion-blur-full" and task.has_mask
    ((a, b),) = task_pairs(task, split="val", image_size=(32, 32), num_faces=10).take(1)
    assert a.shape == b.shape == (32, 32, 3)
    with pytest.raises(ValueError, match="Occlusions must be among"):
        occlusion_task(("scarf",))
    with pytest.raises(ValueError, match="Unknown data options"):
        task_pairs("occlusion", num_face=10)
