"""Properties of the file checks, loaders, transforms and pipeline, on random input.

Hypothesis draws the sizes, channel counts, dtypes and formats; a few examples
each (the default suite runs on 2 CPU cores), without deadlines (TensorFlow's
first call of an op traces it).
"""

import numpy as np
import tensorflow as tf
from broken_files import encode, jpeg_bytes, oriented, png_bytes, with_exif_orientation
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pix2pix_tf.data import image_checks, image_headers, sources
from pix2pix_tf.data import transforms as T
from pix2pix_tf.data.pipeline import make_dataset

FAST = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
FORMATS = (".png", ".jpg", ".bmp", ".gif", ".webp")
sides = st.integers(8, 40)


def random_image(height, width, channels, dtype=np.uint8, seed=0):
    high = 65536 if dtype == np.uint16 else 256
    rng = np.random.default_rng(seed)
    return rng.integers(0, high, (height, width, channels)).astype(dtype)


@FAST
@given(
    ext=st.sampled_from(FORMATS),
    height=sides,
    width=sides,
    keep=st.floats(0.0, 1.0, exclude_max=True),
)
def test_every_strict_prefix_of_an_image_file_is_refused(tmp_path, ext, height, width, keep):
    data = encode(random_image(height, width, 3), ext)
    path = tmp_path / f"image{ext}"
    path.write_bytes(data)
    assert image_checks.check_image_file(path) is None
    path.write_bytes(data[: int(len(data) * keep)])
    assert image_checks.check_image_file(path) is not None


@FAST
@given(
    magic=st.sampled_from(
        [b"", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"BM", b"RIFF\0\0\0\0WEBP"]
    ),
    tail=st.binary(max_size=300),
)
def test_the_check_never_fails_on_arbitrary_bytes(tmp_path, magic, tail):
    path = tmp_path / "x.png"
    path.write_bytes(magic + tail)
    reason = image_checks.check_image_file(path)
    assert reason is None or isinstance(reason, str) and reason


@FAST
@given(ext=st.sampled_from(FORMATS), height=sides, width=sides)
def test_the_header_gives_the_decoded_size(tmp_path, ext, height, width):
    path = tmp_path / f"image{ext}"
    path.write_bytes(encode(random_image(height, width, 3), ext))
    info = image_headers.image_info(path)
    decoded = sources.load_image(str(path)).numpy()
    assert (info.height, info.width) == decoded.shape[:2] == (height, width)


@FAST
@given(
    height=sides,
    width=sides,
    channels=st.integers(1, 4),
    dtype=st.sampled_from([np.uint8, np.uint16]),
    out_channels=st.sampled_from([1, 3]),
    seed=st.integers(0, 2**16),
)
def test_png_of_any_depth_and_channels_loads_as_uint8(
    tmp_path, height, width, channels, dtype, out_channels, seed
):
    image = random_image(height, width, channels, dtype, seed)
    path = tmp_path / "image.png"
    path.write_bytes(png_bytes(image))
    loaded = sources.load_image(str(path), out_channels).numpy()
    assert loaded.dtype == np.uint8 and loaded.shape == (height, width, out_channels)
    eight_bit = (image >> 8).astype(np.uint8) if dtype == np.uint16 else image
    expected = T.ensure_channels(eight_bit, out_channels).numpy()
    # 16 bits to 8 may round rather than cut, then luminance may round the other way.
    assert np.abs(loaded.astype(int) - expected).max() <= (1 if dtype == np.uint16 else 0)


@FAST
@given(
    height=sides,
    width=sides,
    orientation=st.integers(1, 8),
    byte_order=st.sampled_from(["II", "MM"]),
)
def test_any_exif_orientation_comes_out_upright(tmp_path, height, width, orientation, byte_order):
    plain = jpeg_bytes(random_image(height, width, 3))
    path = tmp_path / "photo.jpg"
    path.write_bytes(with_exif_orientation(plain, orientation, byte_order))
    loaded = sources.load_image(str(path)).numpy()
    upright = oriented(tf.io.decode_jpeg(plain).numpy(), orientation)
    np.testing.assert_array_equal(loaded, upright)


@FAST
@given(garbage=st.binary(max_size=200))
def test_the_exif_reader_never_fails_on_garbage(garbage):
    data = b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00" + garbage
    assert 1 <= int(sources.exif_orientation(tf.constant(data))) <= 8
    assert int(sources.exif_orientation(tf.constant(garbage))) == 1


@FAST
@given(
    shape=st.tuples(st.integers(1, 12), st.integers(1, 12), st.integers(1, 4)),
    dtype=st.sampled_from([tf.uint8, tf.uint16, tf.float16, tf.float32]),
    size=st.tuples(st.integers(1, 12), st.integers(1, 12)),
    channels=st.sampled_from([1, 3]),
)
def test_transforms_keep_dtype_and_stay_in_range(shape, dtype, size, channels):
    values = np.random.default_rng(0).uniform(0, 200, shape)
    image = tf.cast(values, dtype)
    resized = T.resize(image, size)
    assert resized.dtype == dtype and resized.shape == size + (shape[2],)
    low, high = float(tf.reduce_min(image)), float(tf.reduce_max(image))
    assert low - 1e-3 <= float(tf.reduce_min(resized)) <= float(tf.reduce_max(resized))
    assert float(tf.reduce_max(resized)) <= high + 1e-3 * max(1, high)
    converted = T.ensure_channels(image, channels)
    assert converted.dtype == dtype and converted.shape == shape[:2] + (channels,)


pair_shapes = st.tuples(st.integers(4, 24), st.integers(4, 24), st.sampled_from([1, 3]))


@settings(max_examples=8, deadline=None)
@given(
    count=st.integers(1, 5),
    input_shape=pair_shapes,
    target_shape=pair_shapes,
    image_size=st.tuples(st.integers(2, 12), st.integers(2, 12)),
    batch_size=st.integers(1, 3),
    training=st.booleans(),
)
def test_the_pipeline_gives_float_batches_of_any_pairs_and_caching_changes_nothing(
    count, input_shape, target_shape, image_size, batch_size, training
):
    assume(not training or count >= batch_size)
    rng = np.random.default_rng(count)
    inputs = rng.integers(0, 256, (count, *input_shape), dtype=np.uint8)
    targets = rng.integers(0, 256, (count, *target_shape), dtype=np.uint8)
    pairs = sources.array_dataset(inputs, targets)
    runs = []
    for cache in (True, False, "auto"):
        ds = make_dataset(pairs, image_size, batch_size, training=training, cache=cache, seed=5)
        runs.append([(a.numpy(), b.numpy()) for a, b in ds])
    expected = count // batch_size * batch_size if training else count
    assert sum(len(a) for a, _ in runs[0]) == expected
    for a, b in runs[0]:
        assert a.shape[1:] == image_size + (input_shape[2],)
        assert b.shape[1:] == image_size + (target_shape[2],)
        assert a.dtype == b.dtype == np.float32
        assert a.min() >= -1 and a.max() <= 1 and b.min() >= -1 and b.max() <= 1
    for other in runs[1:]:
        for (a, b), (c, d) in zip(runs[0], other, strict=True):
            np.testing.assert_array_equal(a, c)
            np.testing.assert_array_equal(b, d)
