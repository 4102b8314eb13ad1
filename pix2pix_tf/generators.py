"""The U-Net generator of pix2pix."""

import keras
from keras import layers

from pix2pix_tf.blocks import conv_init, downsample, upsample


def check_image_size(image_size, depth):
    """Validates ``image_size`` for a network that halves it ``depth`` times.

    Args:
        image_size: (height, width), or None for any size that fits.
        depth: number of stride-2 layers.

    Returns:
        (height, width) as ints, or (None, None).
    """
    if image_size is None:
        return None, None
    if len(image_size) != 2 or any(int(s) != s or s < 1 for s in image_size):
        raise ValueError(f"image_size must be (height, width) in pixels, got {image_size!r}.")
    step = 2**depth
    bad = [s for s in image_size if s % step]
    if bad:
        fits = ", ".join(f"{s} -> {max(step, round(s / step) * step)}" for s in bad)
        raise ValueError(
            f"image_size {tuple(image_size)} does not fit a depth-{depth} network: height and "
            f"width must be multiples of 2**{depth} = {step}. Resize ({fits}) or lower depth."
        )
    return int(image_size[0]), int(image_size[1])


@keras.saving.register_keras_serializable(package="pix2pix_tf")
class UNetGenerator(keras.Model):
    """U-Net generator with skip connections (Isola et al., 2017, arXiv:1611.07004).

    The encoder halves the image ``depth`` times; the decoder doubles it back and
    concatenates the encoder's features of the same size. As in the reference
    implementation, the outermost and innermost encoder layers have no norm (a
    1x1 bottleneck normalised over a batch of one would be all zeros).

    Args:
        image_size: (height, width), multiples of 2**depth; None accepts any such size.
        input_channels: channels of the input image (1 for gray or edge maps).
        output_channels: channels of the output image.
        depth: number of downsampling steps (8 for 256x256: a 1x1 bottleneck).
        base_filters: filters of the first layer; doubled per level.
        max_filters: cap on filters per layer.
        norm: "batch", "instance" or "none".
        dropout: dropout rate of the first ``dropout_blocks`` decoder blocks.
        dropout_blocks: how many decoder blocks (from the bottleneck) use dropout.
        slope: LeakyReLU slope of the encoder.
        seed: seed of the dropout noise.
        **kwargs: passed to `keras.Model` (name, dtype).

    Example:
        >>> g = UNetGenerator(image_size=(64, 64), depth=6, base_filters=8)
        >>> g(keras.ops.zeros((2, 64, 64, 3))).shape
        (2, 64, 64, 3)
    """

    def __init__(
        self,
        image_size=(256, 256),
        input_channels=3,
        output_channels=3,
        depth=8,
        base_filters=64,
        max_filters=512,
        norm="batch",
        dropout=0.5,
        dropout_blocks=3,
        slope=0.2,
        seed=None,
        **kwargs,
    ):
        if depth < 1:
            raise ValueError(f"depth must be at least 1, got {depth}.")
        height, width = check_image_size(image_size, depth)
        filters = [min(base_filters * 2**i, max_filters) for i in range(depth)]

        inputs = keras.Input((height, width, input_channels), name="input_image")
        x = inputs
        skips = []
        for i, f in enumerate(filters):
            outer_or_inner = i in (0, depth - 1)
            x = downsample(
                x, f, f"down{i + 1}", norm="none" if outer_or_inner else norm, slope=slope
            )
            skips.append(x)  # (bs, H / 2**(i+1), W / 2**(i+1), f)

        for i, (f, skip) in enumerate(zip(reversed(filters[:-1]), reversed(skips[:-1]))):
            rate = dropout if i < dropout_blocks else 0.0
            seed_i = None if seed is None else seed + i
            x = upsample(x, f, f"up{i + 1}", norm=norm, dropout=rate, seed=seed_i)
            x = layers.Concatenate(name=f"up{i + 1}_skip")([x, skip])  # (bs, h, w, 2f)

        outputs = layers.Conv2DTranspose(
            output_channels,
            4,
            strides=2,
            padding="same",
            kernel_initializer=conv_init(),
            activation="tanh",
            dtype="float32",  # keep the image in float32 under mixed precision
            name="output_image",
        )(x)  # (bs, H, W, output_channels)
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self.image_size = None if image_size is None else (height, width)
        self.input_channels = input_channels
        self.output_channels = output_channels
        self.depth = depth
        self.base_filters = base_filters
        self.max_filters = max_filters
        self.norm = norm
        self.dropout = dropout
        self.dropout_blocks = dropout_blocks
        self.slope = slope
        self.seed = seed

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "image_size": self.image_size,
            "input_channels": self.input_channels,
            "output_channels": self.output_channels,
            "depth": self.depth,
            "base_filters": self.base_filters,
            "max_filters": self.max_filters,
            "norm": self.norm,
            "dropout": self.dropout,
            "dropout_blocks": self.dropout_blocks,
            "slope": self.slope,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
