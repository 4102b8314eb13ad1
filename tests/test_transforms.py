import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from pix2pix_tf.data import transforms as T


def random_image(shape, seed=0):
    return tf.constant(np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8))


def test_to_float_maps_uint8_range_to_minus_one_one():
    x = T.to_float(tf.constant([0, 255], tf.uint8))
    assert x.dtype == tf.float32
    np.testing.assert_allclose(x.numpy(), [-1.0, 1.0])


def test_uint8_float_round_trip_is_exact():
    values = tf.range(256, dtype=tf.int32)
    u = tf.cast(values, tf.uint8)
    np.testing.assert_array_equal(T.to_uint8(T.to_float(u)).numpy(), u.numpy())


def test_to_uint8_clips_and_rounds():
    x = tf.constant([-3.0, -1.0, 0.0, 1.0, 5.0, 2 * 100.4 / 255 - 1])
    out = T.to_uint8(x)
    assert out.dtype == tf.uint8
    np.testing.assert_array_equal(out.numpy(), [0, 0, 128, 255, 255, 100])


def test_resize_keeps_dtype_and_sets_size():
    image = random_image((16, 24, 3))
    out = T.resize(image, (8, 12))
    assert out.dtype == tf.uint8
    assert out.shape == (8, 12, 3)
    constant = tf.fill([16, 24, 1], tf.constant(77, tf.uint8))
    assert np.all(T.resize(constant, (7, 5), method="bicubic").numpy() == 77)


@pytest.mark.parametrize("size", [256, (0, 8), (8,), (8.0, 8), (True, 8)])
def test_resize_rejects_bad_sizes(size):
    with pytest.raises(ValueError, match="pair of positive ints"):
        T.resize(tf.zeros([4, 4, 1]), size)


def test_resize_rejects_unknown_method():
    with pytest.raises(ValueError, match="method"):
        T.resize(tf.zeros([4, 4, 1]), (2, 2), method="cubic")


def test_ensure_channels_gray_to_rgb_repeats():
    gray = random_image((5, 6, 1))
    rgb = T.ensure_channels(gray, 3).numpy()
    assert rgb.shape == (5, 6, 3)
    for c in range(3):
        np.testing.assert_array_equal(rgb[..., c], gray.numpy()[..., 0])


def test_ensure_channels_rgb_to_gray_is_luminance():
    pixels = tf.constant([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]], tf.uint8)
    gray = T.ensure_channels(pixels, 1)
    assert gray.dtype == tf.uint8
    np.testing.assert_array_equal(gray.numpy()[0, :, 0], [76, 150, 29, 255])
    np.testing.assert_array_equal(T.to_grayscale(pixels).numpy(), gray.numpy())


def test_ensure_channels_drops_alpha():
    rgba = random_image((4, 4, 4))
    np.testing.assert_array_equal(T.ensure_channels(rgba, 3).numpy(), rgba.numpy()[..., :3])
    gray_alpha = random_image((4, 4, 2))
    np.testing.assert_array_equal(
        T.ensure_channels(gray_alpha, 1).numpy(), gray_alpha.numpy()[..., :1]
    )


@pytest.mark.parametrize("found", [1, 2, 3, 4])
def test_ensure_channels_with_channels_known_only_at_run_time(found):
    image = random_image((3, 4, found))
    convert = tf.function(
        lambda x: T.ensure_channels(x, 3),
        input_signature=[tf.TensorSpec([None, None, None], tf.uint8)],
    )
    out = convert(image)
    assert out.shape == (3, 4, 3)
    np.testing.assert_array_equal(out.numpy(), T.ensure_channels(image, 3).numpy())


def test_ensure_channels_rejects_bad_counts():
    with pytest.raises(ValueError, match="channels must be one of"):
        T.ensure_channels(tf.zeros([2, 2, 3]), 4)
    with pytest.raises(ValueError, match="1 to 4 channels"):
        T.ensure_channels(tf.zeros([2, 2, 5]), 3)


def test_center_crop_or_resize_keeps_the_center_and_its_proportions():
    image = np.zeros((16, 24, 3), np.uint8)
    image[:, :4] = 255
    image[:, 20:] = 255
    out = T.center_crop_or_resize(tf.constant(image), (8, 8))
    assert out.shape == (8, 8, 3)
    assert np.all(out.numpy() == 0), "the side borders should have been cropped away"


def test_center_crop_or_resize_leaves_right_sized_images_alone():
    image = random_image((8, 12, 1))
    np.testing.assert_array_equal(T.center_crop_or_resize(image, (8, 12)).numpy(), image.numpy())


def test_jitter_crops_input_and_target_alike():
    image = T.to_float(random_image((16, 24, 3)))
    for s in range(10):
        a, b = T.random_jitter(image, image, (16, 24), jitter_scale=1.5, seed=[s, 1])
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_jitter_keeps_a_gray_input_aligned_with_an_rgb_target():
    gray = T.to_float(random_image((16, 24, 1)))
    rgb = tf.repeat(gray, 3, axis=-1)
    for s in range(10):
        a, b = T.random_jitter(gray, rgb, (16, 16), seed=[s, 2])
        assert a.shape == (16, 16, 1) and b.shape == (16, 16, 3)
        for c in range(3):
            np.testing.assert_array_equal(b.numpy()[..., c], a.numpy()[..., 0])


def test_jitter_is_a_crop_of_the_upscaled_image():
    image = T.to_float(random_image((16, 16, 1)))
    big = T.resize(image, (24, 24)).numpy()
    offsets = set()
    for s in range(20):
        a, _ = T.random_jitter(image, image, (16, 16), jitter_scale=1.5, flip=False, seed=[s, 3])
        matches = [
            (t, left)
            for t in range(9)
            for left in range(9)
            if np.array_equal(a.numpy(), big[t : t + 16, left : left + 16])
        ]
        assert matches, "the output is not a crop of the upscaled image"
        offsets.update(matches)
    assert len(offsets) > 3, "the crop position should vary with the seed"


def test_jitter_is_deterministic_given_a_seed():
    image = T.to_float(random_image((16, 24, 3)))
    first = T.random_jitter(image, image, (16, 16), seed=[42, 7])[0].numpy()
    again = T.random_jitter(image, image, (16, 16), seed=tf.constant([42, 7]))[0].numpy()
    np.testing.assert_array_equal(first, again)
    others = [T.random_jitter(image, image, (16, 16), seed=[s, 7])[0].numpy() for s in range(5)]
    assert any(not np.array_equal(first, o) for o in others)


def test_jitter_flips_sometimes_but_not_always():
    image = T.to_float(random_image((8, 8, 1)))
    mirrored = image.numpy()[:, ::-1]
    flips = 0
    for s in range(40):
        a, b = T.random_jitter(image, image, (8, 8), jitter_scale=1.0, seed=[s, 4])
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        if np.array_equal(a.numpy(), mirrored):
            flips += 1
        else:
            np.testing.assert_array_equal(a.numpy(), image.numpy())
    assert 5 <= flips <= 35, f"{flips} flips in 40 draws"


def test_jitter_without_flip_or_scale_only_resizes():
    image = T.to_float(random_image((16, 24, 3)))
    for s in range(10):
        a, _ = T.random_jitter(image, image, (8, 8), jitter_scale=1.0, flip=False, seed=[s, 5])
        np.testing.assert_array_equal(a.numpy(), T.resize(image, (8, 8)).numpy())


def test_jitter_rejects_bad_arguments():
    image = tf.zeros([8, 8, 3])
    with pytest.raises(ValueError, match="jitter_scale"):
        T.random_jitter(image, image, (8, 8), jitter_scale=0.5)
    with pytest.raises(ValueError, match="image_size"):
        T.random_jitter(image, image, 8)
    with pytest.raises(ValueError, match="seed"):
        T.random_jitter(image, image, (8, 8), seed=[1, 2, 3])
    with pytest.raises(ValueError, match=r"\(H, W, C\)"):
        T.random_jitter(tf.zeros([1, 8, 8, 3]), image, (8, 8))


@settings(max_examples=20, deadline=None)
@given(
    in_shape=st.tuples(st.integers(4, 20), st.integers(4, 20), st.sampled_from([1, 3])),
    out_channels=st.sampled_from([1, 3]),
    size=st.tuples(st.integers(2, 16), st.integers(2, 16)),
    scale=st.floats(1.0, 1.5),
    seed=st.integers(0, 2**31 - 1),
)
def test_jitter_property_shapes_and_ranges(in_shape, out_channels, size, scale, seed):
    inp = T.to_float(random_image(in_shape, seed))
    tar = T.to_float(random_image(in_shape[:2] + (out_channels,), seed + 1))
    a, b = T.random_jitter(inp, tar, size, jitter_scale=scale, seed=seed)
    assert a.shape == size + (in_shape[2],)
    assert b.shape == size + (out_channels,)
    # Bilinear resizing interpolates, so values stay within the input's range.
    for out, src in ((a, inp), (b, tar)):
        assert out.numpy().min() >= src.numpy().min() - 1e-5
        assert out.numpy().max() <= src.numpy().max() + 1e-5


@settings(max_examples=20, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 12), st.integers(1, 12), st.sampled_from([1, 2, 3, 4])),
    channels=st.sampled_from([1, 3]),
    size=st.tuples(st.integers(1, 12), st.integers(1, 12)),
)
def test_channels_and_crop_property(shape, channels, size):
    image = random_image(shape)
    converted = T.ensure_channels(image, channels)
    assert converted.shape == shape[:2] + (channels,)
    assert converted.dtype == tf.uint8
    assert T.center_crop_or_resize(converted, size).shape == size + (channels,)


def test_with_luminance_takes_brightness_from_gray_and_colour_from_the_guess():
    from pix2pix_tf.data.transforms import with_luminance

    rng = np.random.default_rng(0)
    guess = rng.uniform(-0.5, 0.5, (2, 8, 8, 3)).astype("float32")
    gray = rng.uniform(-0.4, 0.4, (2, 8, 8, 1)).astype("float32")
    out = with_luminance(guess, gray).numpy()
    luma = out @ np.array([0.2989, 0.5870, 0.1140], "float32")
    np.testing.assert_allclose(luma, gray[..., 0], atol=1e-3)
    # Colour differences between channels are the guess's.
    np.testing.assert_allclose(out[..., 0] - out[..., 1], guess[..., 0] - guess[..., 1], atol=1e-5)
    with pytest.raises(ValueError, match="RGB and a gray"):
        with_luminance(gray, guess)
