"""Image transforms as TensorFlow ops, usable inside `tf.data` pipelines.

Images are ``(H, W, C)`` tensors. Models see float32 in ``[-1, 1]``; files and
arrays hold uint8 in ``[0, 255]``. Random transforms are stateless: the same seed
gives the same result, so a pipeline can be replayed exactly.
"""

import tensorflow as tf

PIX2PIX_JITTER_SCALE = 286 / 256
RESIZE_METHODS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian")
CHANNELS = (1, 3)
# ITU-R BT.601 luma weights, as in tf.image.rgb_to_grayscale.
_LUMA_WEIGHTS = (0.2989, 0.5870, 0.1140)


def to_float(image):
    """Maps a uint8 image in ``[0, 255]`` to float32 in ``[-1, 1]``."""
    return tf.cast(image, tf.float32) / 127.5 - 1.0


def to_uint8(x):
    """Maps a float image in ``[-1, 1]`` to uint8, clipping values outside the range."""
    x = (tf.cast(x, tf.float32) + 1.0) * 127.5
    return tf.cast(tf.round(tf.clip_by_value(x, 0.0, 255.0)), tf.uint8)


def check_size(size, name="size"):
    """Returns ``size`` as a ``(height, width)`` tuple of positive ints, or raises."""
    if (
        not isinstance(size, (tuple, list))
        or len(size) != 2
        or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in size)
    ):
        raise ValueError(
            f"{name} must be a pair of positive ints (height, width), e.g. (256, 256); "
            f"got {size!r}."
        )
    return tuple(size)


def _cast_like(x, dtype):
    """Casts a float result back to ``dtype``, rounding and clipping for integers."""
    if dtype.is_integer:
        x = tf.clip_by_value(tf.round(x), dtype.min, dtype.max)
    return tf.cast(x, dtype)


def resize(image, size, method="bilinear", antialias=False):
    """Resizes an image to ``size``, keeping its dtype.

    Args:
        image: ``(H, W, C)`` or ``(B, H, W, C)`` tensor.
        size: ``(height, width)`` of the output.
        method: one of `RESIZE_METHODS`.
        antialias: low-pass filter when downsampling (slower, fewer aliasing
            artefacts on large reductions).

    Returns:
        The resized image, same dtype as ``image``; integer images are rounded.
    """
    size = check_size(size)
    if method not in RESIZE_METHODS:
        raise ValueError(f"method must be one of {RESIZE_METHODS}, got {method!r}.")
    image = tf.convert_to_tensor(image)
    resized = tf.image.resize(image, size, method=method, antialias=antialias)
    return _cast_like(resized, image.dtype)


# A resized mask channel counts as hole from a fraction of one uint8 step on.
_ANY_COVERAGE = 0.5 / 127.5


def widen_resized_mask(image):
    """``image`` whose last channel is a resized hole mask in ``[-1, 1]`` (1 fill,
    -1 keep), with every pixel the hole reached set to 1, the rest to -1.

    Resizing blends an occluder into the pixels around it. Thresholded at half
    coverage, as the generator's ``> 0`` would, the mask would leave those
    pixels, occluder colour and all, outside the hole for good: a dotted outline
    around every occlusion that neither the model nor Telea may touch.
    """
    hole = image[..., -1:] > -1.0 + _ANY_COVERAGE
    return tf.concat([image[..., :-1], tf.where(hole, 1.0, -1.0)], axis=-1)


def _check_rank3(image, name):
    if image.shape.rank is not None and image.shape.rank != 3:
        raise ValueError(f"{name} must be an (H, W, C) image, got shape {image.shape}.")


def _luminance(rgb):
    weights = tf.constant(_LUMA_WEIGHTS, tf.float32)
    gray = tf.reduce_sum(tf.cast(rgb, tf.float32) * weights, axis=-1, keepdims=True)
    return _cast_like(gray, rgb.dtype)


def _gray_from_any(image):
    """1 (gray) or 2 (gray + alpha) channels keep the first; 3 or 4 take luminance."""
    channels = image.shape[-1]
    if channels is not None:
        return image[..., :1] if channels <= 2 else _luminance(image[..., :3])
    return tf.cond(
        tf.shape(image)[-1] <= 2, lambda: image[..., :1], lambda: _luminance(image[..., :3])
    )


def _rgb_from_any(image):
    """1 or 2 channels repeat the gray one; 3 or 4 keep RGB and drop alpha."""
    # concat, not tf.repeat: its Tile kernel has no uint16 on CPU (16-bit images).
    gray = image[..., :1]
    channels = image.shape[-1]
    if channels is not None:
        return tf.concat([gray] * 3, axis=-1) if channels <= 2 else image[..., :3]
    return tf.cond(
        tf.shape(image)[-1] <= 2,
        lambda: tf.concat([gray] * 3, axis=-1),
        lambda: image[..., :3],
    )


def to_grayscale(image):
    """Converts a 1-, 2-, 3- or 4-channel image to one channel.

    RGB(A) becomes its luminance; alpha is dropped. Keeps the dtype.
    """
    return ensure_channels(image, 1)


def with_luminance(colour, gray):
    """The colours of ``colour`` on the brightness of ``gray``: luma replaced, chroma kept.

    The usual last step of colorization: the network's guess gives the colour,
    the grayscale input keeps its own sharp detail. Each pixel is shifted by
    the same amount in R, G and B, which changes its luma by exactly that amount
    and leaves its colour differences alone.

    Args:
        colour: ``(..., H, W, 3)`` float image in [-1, 1].
        gray: ``(..., H, W, 1)`` float image in [-1, 1].

    Returns:
        float32 ``(..., H, W, 3)`` in [-1, 1].
    """
    colour = tf.convert_to_tensor(colour, tf.float32)
    gray = tf.convert_to_tensor(gray, tf.float32)
    if colour.shape[-1] != 3 or gray.shape[-1] != 1:
        raise ValueError(
            f"with_luminance takes an RGB and a gray image, got {colour.shape} and {gray.shape}."
        )
    luma = tf.reduce_sum(colour * tf.constant(_LUMA_WEIGHTS, tf.float32), axis=-1, keepdims=True)
    return tf.clip_by_value(colour + (gray - luma), -1.0, 1.0)


def ensure_channels(image, channels):
    """Converts an image to ``channels`` channels (1 or 3).

    1 -> 3 repeats the gray channel, 3 -> 1 takes the luminance, an alpha channel
    (2 = gray + alpha, 4 = RGBA) is dropped. Works when the channel count is only
    known at run time, as after ``tf.io.decode_image(..., channels=0)``.

    Args:
        image: ``(H, W, C)`` tensor with 1 to 4 channels.
        channels: 1 or 3.

    Returns:
        ``(H, W, channels)`` tensor of the same dtype, with a static channel count.
    """
    if channels not in CHANNELS:
        raise ValueError(f"channels must be one of {CHANNELS}, got {channels!r}.")
    image = tf.convert_to_tensor(image)
    found = image.shape[-1]
    if found is not None and not 1 <= found <= 4:
        raise ValueError(f"Images must have 1 to 4 channels, got shape {image.shape}.")
    out = _gray_from_any(image) if channels == 1 else _rgb_from_any(image)
    return tf.ensure_shape(out, image.shape[:-1] + [channels])


def center_crop_or_resize(image, size, method="bilinear", antialias=False):
    """Center-crops to the aspect ratio of ``size``, then resizes to ``size``.

    The deterministic counterpart of `random_jitter` for evaluation when the
    sources do not share the aspect ratio of ``size``: faces keep their
    proportions instead of being squashed, at the cost of losing the borders.
    An image already of size ``size`` is returned unchanged.

    Args:
        image: ``(H, W, C)`` tensor.
        size: ``(height, width)`` of the output.
        method: one of `RESIZE_METHODS`.
        antialias: as for `resize`.

    Returns:
        ``(height, width, C)`` tensor of the same dtype.
    """
    height, width = check_size(size)
    image = tf.convert_to_tensor(image)
    _check_rank3(image, "image")
    shape = tf.shape(image)
    h, w = shape[0], shape[1]
    # Integer cross-multiplication: crop_h / crop_w == height / width without float drift;
    # at least one pixel, or a very elongated image would crop to nothing.
    crop_h = tf.clip_by_value((w * height) // width, 1, h)
    crop_w = tf.clip_by_value((h * width) // height, 1, w)
    top, left = (h - crop_h) // 2, (w - crop_w) // 2
    cropped = image[top : top + crop_h, left : left + crop_w]
    return tf.ensure_shape(
        resize(cropped, size, method, antialias), [height, width, image.shape[-1]]
    )


def as_seed(seed):
    """Returns a stateless-op seed: a shape-``[2]`` int64 tensor.

    Args:
        seed: a shape-``[2]`` int tensor, a scalar int (used as ``[seed, 0]``), or
            None for a fresh random seed (not reproducible).
    """
    if seed is None:
        return tf.random.uniform([2], maxval=tf.int64.max, dtype=tf.int64)
    seed = tf.cast(seed, tf.int64)
    if seed.shape.rank == 0:
        return tf.stack([seed, tf.constant(0, tf.int64)])
    if not seed.shape.is_compatible_with([2]):
        raise ValueError(f"seed must be an int or a shape-[2] int tensor, got shape {seed.shape}.")
    return seed


def random_jitter(
    input_image,
    target_image,
    image_size,
    jitter_scale=PIX2PIX_JITTER_SCALE,
    flip=True,
    seed=None,
    method="bilinear",
):
    """The pix2pix augmentation: upscale, random crop, random mirror.

    Both images are resized to ``image_size * jitter_scale`` (286 x 286 for 256 x
    256 in the paper), cropped at the same random position back to
    ``image_size``, and mirrored left-right together with probability 0.5. The
    images may differ in size and channel count (e.g. a 1-channel sketch and a
    3-channel photo); the pair stays aligned.

    Args:
        input_image: ``(H, W, C_in)`` tensor.
        target_image: ``(H', W', C_out)`` tensor.
        image_size: ``(height, width)`` of the outputs.
        jitter_scale: upscaling factor before the crop, >= 1; 1 means no crop.
        flip: mirror with probability 0.5.
        seed: a shape-``[2]`` int tensor (e.g. one per dataset element), an int,
            or None for a fresh random seed. The same seed gives the same result.
        method: resize method, one of `RESIZE_METHODS`.

    Returns:
        ``(input, target)``, shapes ``(height, width, C_in)`` and
        ``(height, width, C_out)``, dtypes as given.

    Example:
        >>> a, b = random_jitter(sketch, photo, (256, 256), seed=[7, 0])
    """
    height, width = check_size(image_size, "image_size")
    if not jitter_scale >= 1:
        raise ValueError(f"jitter_scale must be >= 1 (1 disables cropping), got {jitter_scale!r}.")
    input_image = tf.convert_to_tensor(input_image)
    target_image = tf.convert_to_tensor(target_image)
    _check_rank3(input_image, "input_image")
    _check_rank3(target_image, "target_image")
    big = (round(height * jitter_scale), round(width * jitter_scale))
    crop_seed, col_seed, flip_seed = tf.unstack(
        tf.random.experimental.stateless_split(as_seed(seed), num=3)
    )

    # One offset for both images, so the crop cannot misalign the pair.
    top = tf.random.stateless_uniform(
        [], crop_seed, minval=0, maxval=big[0] - height + 1, dtype=tf.int32
    )
    left = tf.random.stateless_uniform(
        [], col_seed, minval=0, maxval=big[1] - width + 1, dtype=tf.int32
    )
    do_flip = tf.random.stateless_uniform([], flip_seed) < 0.5 if flip else tf.constant(False)

    def jitter(image):
        image = resize(image, big, method)[top : top + height, left : left + width]
        image = tf.cond(do_flip, lambda: tf.reverse(image, axis=[1]), lambda: image)
        return tf.ensure_shape(image, [height, width, image.shape[-1]])

    return jitter(input_image), jitter(target_image)
