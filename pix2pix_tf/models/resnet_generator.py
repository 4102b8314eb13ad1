"""The ResNet-blocks generator of CycleGAN (after Johnson et al.'s style-transfer network)."""

import keras
from keras import layers, ops

from pix2pix_tf.models.blocks import (
    Dropout,
    check_upsampling,
    conv_init,
    normalization,
    upsample,
)
from pix2pix_tf.models.generators import check_image_size

RESNET_BLOCKS = {"resnet6": 6, "resnet9": 9}


@keras.saving.register_keras_serializable(package="pix2pix_tf")
class ReflectionPadding2D(layers.Layer):
    """Pads height and width by mirroring the border (no repeated edge pixel).

    Args:
        padding: pixels added on each side of both spatial axes.
        **kwargs: passed to `keras.layers.Layer`.
    """

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = int(padding)

    def call(self, inputs):
        p = self.padding
        return ops.pad(inputs, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        grow = lambda s: None if s is None else s + 2 * self.padding  # noqa: E731
        return batch, grow(height), grow(width), channels

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


def _conv_norm_relu(x, filters, size, name, norm, strides=1, pad=0, relu=True):
    """[reflection pad] -> Conv -> norm -> [ReLU]."""
    if pad:
        x = ReflectionPadding2D(pad, name=f"{name}_pad")(x)
    norm_layer = normalization(norm, f"{name}_norm")
    x = layers.Conv2D(
        filters,
        size,
        strides=strides,
        padding="same" if strides > 1 else "valid",
        kernel_initializer=conv_init(),
        use_bias=norm_layer is None,  # a norm's offset makes the bias redundant
        name=f"{name}_conv",
    )(x)
    if norm_layer is not None:
        x = norm_layer(x)
    return layers.ReLU(name=f"{name}_relu")(x) if relu else x


def resnet_block(x, filters, name, norm="instance", dropout=0.0, seed=None):
    """``x + (pad, conv3x3, norm, ReLU, [dropout], pad, conv3x3, norm)(x)``: R``filters``.

    Args:
        x: input tensor (batch, height, width, filters).
        filters: channels of both convolutions (those of ``x``).
        name: prefix of the layer names.
        norm: "batch", "instance" or "none".
        dropout: dropout rate between the convolutions, 0 for none.
        seed: seed of the dropout noise.

    Returns:
        Tensor of the shape of ``x``.
    """
    y = _conv_norm_relu(x, filters, 3, f"{name}_a", norm, pad=1)
    if dropout:
        y = Dropout(dropout, seed=seed, name=f"{name}_dropout")(y)
    y = _conv_norm_relu(y, filters, 3, f"{name}_b", norm, pad=1, relu=False)
    return layers.Add(name=f"{name}_add")([x, y])


@keras.saving.register_keras_serializable(package="pix2pix_tf")
class ResnetGenerator(keras.Model):
    """ResNet-blocks generator of CycleGAN (Zhu, Park, Isola and Efros, "Unpaired
    Image-to-Image Translation using Cycle-Consistent Adversarial Networks", ICCV 2017,
    arXiv:1703.10593, appendix 7.2; after Johnson et al., 2016).

    ``c7s1-64, d128, d256, R256 x n_blocks, u128, u64, c7s1-3`` with reflection
    padding and instance normalization: 9 blocks for 256x256 images, 6 for
    128x128 in the paper. Height and width must be multiples of ``2**depth``.

    Args:
        image_size: (height, width), multiples of 2**depth; None accepts any such size.
        input_channels: channels of the input image.
        output_channels: channels of the output image.
        n_blocks: residual blocks at the bottleneck (6 or 9 in the paper).
        base_filters: filters of the first layer (``ngf``, 64); doubled per downsampling.
        depth: stride-2 downsamplings (and upsamplings), 2 in the paper.
        norm: "instance" (the paper), "batch" or "none".
        dropout: dropout rate inside the residual blocks (0 in CycleGAN; the
            reference's pix2pix uses 0.5).
        seed: seed of the dropout noise.
        upsampling: "transpose" (the paper's fractionally-strided convolutions)
            or "resize" (nearest-neighbour resize + 3x3 convolution, no
            checkerboard; see `blocks.upsampling_conv`).
        **kwargs: passed to `keras.Model` (name, dtype).

    Example:
        >>> g = ResnetGenerator(image_size=(64, 64), n_blocks=6, base_filters=8)
        >>> g(keras.ops.zeros((2, 64, 64, 3))).shape
        (2, 64, 64, 3)
    """

    def __init__(
        self,
        image_size=(256, 256),
        input_channels=3,
        output_channels=3,
        n_blocks=9,
        base_filters=64,
        depth=2,
        norm="instance",
        dropout=0.0,
        seed=None,
        upsampling="transpose",
        **kwargs,
    ):
        check_upsampling(upsampling)
        if n_blocks < 0 or depth < 0:
            raise ValueError(f"n_blocks and depth must be >= 0, got {n_blocks} and {depth}.")
        height, width = check_image_size(image_size, depth)
        inputs = keras.Input((height, width, input_channels), name="input_image")
        x = _conv_norm_relu(inputs, base_filters, 7, "c7s1", norm, pad=3)  # (bs, H, W, f)
        for i in range(depth):
            filters = base_filters * 2 ** (i + 1)
            x = _conv_norm_relu(
                x, filters, 3, f"down{i + 1}", norm, strides=2
            )  # (bs, H/2**(i+1), ..)
        filters = base_filters * 2**depth
        for i in range(n_blocks):
            seed_i = None if seed is None else seed + i
            x = resnet_block(x, filters, f"res{i + 1}", norm, dropout, seed_i)  # (bs, H/2**d, ..)
        for i in range(depth):
            filters = base_filters * 2 ** (depth - i - 1)
            x = upsample(
                x, filters, f"up{i + 1}", size=3, norm=norm, upsampling=upsampling
            )  # (bs, H/2**(d-i-1), ..)
        x = ReflectionPadding2D(3, name="output_pad")(x)
        outputs = layers.Conv2D(
            output_channels,
            7,
            kernel_initializer=conv_init(),
            activation="tanh",
            dtype="float32",  # keep the image in float32 under mixed precision
            name="output_image",
        )(x)  # (bs, H, W, output_channels)
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self.image_size = None if image_size is None else (height, width)
        self.input_channels = input_channels
        self.output_channels = output_channels
        self.n_blocks = n_blocks
        self.base_filters = base_filters
        self.depth = depth
        self.norm = norm
        self.dropout = dropout
        self.seed = seed
        self.upsampling = upsampling

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "image_size": self.image_size,
            "input_channels": self.input_channels,
            "output_channels": self.output_channels,
            "n_blocks": self.n_blocks,
            "base_filters": self.base_filters,
            "depth": self.depth,
            "norm": self.norm,
            "dropout": self.dropout,
            "seed": self.seed,
            "upsampling": self.upsampling,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
