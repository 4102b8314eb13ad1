import numpy as np
import pytest
import tensorflow as tf

from pix2pix_tf.data.pipeline import make_dataset
from pix2pix_tf.data.sources import array_dataset


def gray_and_rgb(n=6, height=16, width=24, seed=0):
    """Random 1-channel inputs with targets that repeat them in 3 channels,
    so any misalignment of a pair shows as target != input."""
    inputs = np.random.default_rng(seed).integers(0, 256, (n, height, width, 1), dtype=np.uint8)
    return array_dataset(inputs, np.repeat(inputs, 3, axis=-1))


def batches(ds):
    return [(a.numpy(), b.numpy()) for a, b in ds]


def test_training_batches_shapes_dtypes_and_ranges():
    ds = make_dataset(gray_and_rgb(n=7), image_size=(8, 12), batch_size=2)
    assert [s.shape.as_list() for s in ds.element_spec] == [[2, 8, 12, 1], [2, 8, 12, 3]]
    got = batches(ds)
    assert len(got) == 3, "7 pairs in batches of 2 should drop the last one in training"
    for inp, tar in got:
        assert inp.dtype == tar.dtype == np.float32
        assert inp.min() >= -1 and inp.max() <= 1
        assert inp.min() < -0.5 and inp.max() > 0.5, "values should span [-1, 1], not [0, 1]"


def test_training_keeps_pairs_aligned_through_jitter_flip_and_shuffle():
    ds = make_dataset(gray_and_rgb(n=8), image_size=(16, 16), batch_size=4, seed=1)
    for _ in range(2):
        for inp, tar in batches(ds):
            for c in range(3):
                np.testing.assert_array_equal(tar[..., c], inp[..., 0])


def test_eval_resizes_in_order_and_keeps_the_last_batch():
    values = np.array([10, 50, 90, 130, 250], np.uint8)
    inputs = np.broadcast_to(values[:, None, None, None], (5, 6, 10, 1)).copy()
    ds = make_dataset(
        array_dataset(inputs, np.repeat(inputs, 3, axis=-1)),
        image_size=(4, 4),
        batch_size=2,
        training=False,
    )
    assert [s.shape.as_list() for s in ds.element_spec] == [[None, 4, 4, 1], [None, 4, 4, 3]]
    got = batches(ds)
    assert [inp.shape[0] for inp, _ in got] == [2, 2, 1]
    firsts = np.concatenate([inp[:, 0, 0, 0] for inp, _ in got])
    np.testing.assert_allclose(firsts, values / 127.5 - 1, atol=1e-6)


def test_training_without_augmentation_matches_eval():
    pairs = gray_and_rgb(n=4)
    plain = make_dataset(pairs, (8, 8), 4, jitter=False, flip=False, shuffle_buffer=0)
    evaluation = make_dataset(pairs, (8, 8), 4, training=False)
    for (a, b), (c, d) in zip(batches(plain), batches(evaluation), strict=True):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


def test_same_seed_gives_the_same_batches():
    def first_epoch(seed):
        return batches(make_dataset(gray_and_rgb(n=8), (8, 8), 2, seed=seed))

    first, again, other = first_epoch(5), first_epoch(5), first_epoch(6)
    for (a, b), (c, d) in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)
    assert any(not np.array_equal(a, c) for (a, _), (c, _) in zip(first, other))


def test_augmentation_changes_between_epochs_despite_the_cache():
    # No shuffle, so only a fresh augmentation can make the epochs differ; caching
    # after the augmentation would replay epoch one.
    ds = make_dataset(gray_and_rgb(n=4), (8, 8), 4, shuffle_buffer=0, cache=True)
    (one, _), (two, _) = batches(ds)[0], batches(ds)[0]
    assert not np.array_equal(one, two)


def test_cache_reads_the_source_once():
    reads = tf.Variable(0)

    def count(inp, tar):
        reads.assign_add(1)
        return inp, tar

    pairs = gray_and_rgb(n=4).map(count)
    for cache, expected in ((True, 4), (False, 8)):
        reads.assign(0)
        ds = make_dataset(pairs, (8, 8), 2, cache=cache)
        batches(ds), batches(ds)
        assert int(reads.numpy()) == expected


def test_auto_cache_keeps_only_what_fits_in_its_budget():
    reads = tf.Variable(0)

    def count(inp, tar):
        reads.assign_add(1)
        return inp, tar

    pairs = gray_and_rgb(n=4, height=8, width=8).map(count)
    # 4 pairs of 8x8 pixels, 1 + 3 channels: 1,024 bytes in all.
    for budget, expected in ((1024, 4), (1023, 8)):
        reads.assign(0)
        ds = make_dataset(pairs, (8, 8), 2, training=False, cache_budget=budget)
        batches(ds), batches(ds)
        assert int(reads.numpy()) == expected, budget
    unknown = pairs.filter(lambda a, b: True)  # a dataset of unknown size streams
    reads.assign(0)
    ds = make_dataset(unknown, (8, 8), 2, training=False, cache_budget=10**9)
    batches(ds), batches(ds)
    assert int(reads.numpy()) == 8


def test_photos_larger_than_needed_are_shrunk_before_the_cache():
    from pix2pix_tf.data.pipeline import _shrink

    assert _shrink(tf.zeros((300, 200, 3), tf.uint8), (9, 9)).shape == (9, 9, 3)
    assert _shrink(tf.zeros((6, 12, 1), tf.uint8), (9, 9)).shape == (6, 12, 1)
    # Through the pipeline: what it caches is what later stages need, not the photo.
    big = np.random.default_rng(0).integers(0, 256, (2, 90, 120, 1), dtype=np.uint8)
    pairs = array_dataset(big, np.repeat(big, 3, axis=-1))
    ds = make_dataset(pairs, (8, 8), 2, cache=True)
    cached = ds._input_dataset  # prefetch <- batch <- augment <- zip(shuffle <- cache)
    while "CacheDataset" not in type(cached).__name__:
        cached = getattr(cached, "_input_dataset", None) or cached._datasets[0]
    assert [tuple(a.shape) for a, _ in cached] == [(9, 9, 1), (9, 9, 1)]


def test_bad_cache_values_are_refused():
    with pytest.raises(ValueError, match='cache must be "auto", True, False or a file path'):
        make_dataset(gray_and_rgb(n=4), (8, 8), cache=3)


def test_cache_to_a_file(tmp_path):
    ds = make_dataset(gray_and_rgb(n=4), (8, 8), 2, training=False, cache=tmp_path / "c")
    first = batches(ds)
    assert list(tmp_path.iterdir()), "the cache file should be written"
    for (a, b), (c, d) in zip(first, batches(ds), strict=True):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"image_size": 256}, "image_size must be a pair"),
        ({"image_size": (0, 8)}, "image_size must be a pair"),
        ({"image_size": (8.0, 8)}, "image_size must be a pair"),
        ({"batch_size": 0}, "batch_size must be an int >= 1"),
        ({"batch_size": 2.0}, "batch_size"),
        ({"shuffle_buffer": -1}, "shuffle_buffer"),
        ({"batch_size": 10}, "fewer than batch_size=10"),
        ({"jitter_scale": 0.9}, "jitter_scale"),
    ],
)
def test_bad_arguments_raise_early(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_dataset(gray_and_rgb(n=4), **{"image_size": (8, 8), **kwargs})


def test_small_dataset_can_keep_a_partial_batch():
    ds = make_dataset(gray_and_rgb(n=3), (8, 8), batch_size=10, drop_remainder=False)
    assert [a.shape[0] for a, _ in batches(ds)] == [3]


def test_bad_pairs_raise_early():
    images = tf.data.Dataset.from_tensor_slices(np.zeros((2, 4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match="tuples"):
        make_dataset(images, (4, 4))
    floats = tf.data.Dataset.from_tensor_slices((np.zeros((2, 4, 4, 3), np.float32),) * 2)
    with pytest.raises(ValueError, match="to_uint8"):
        make_dataset(floats, (4, 4))
    # decode_png without channels= leaves the channel count unknown.
    unknown = tf.data.Dataset.zip(
        images.map(lambda x: tf.io.decode_png(tf.io.encode_png(x))), images
    )
    with pytest.raises(ValueError, match="ensure_channels"):
        make_dataset(unknown, (4, 4))
