"""The U-Net generator of pix2pix, with direct, residual, composited or chroma output."""

import keras
from keras import layers, ops

from pix2pix_tf.models.blocks import (
    check_upsampling,
    conv_init,
    downsample,
    upsample,
    upsampling_conv,
)
from pix2pix_tf.models.hole_fill import SmoothFill, check_hole_fill

OUTPUT_MODES = ("direct", "residual", "composite", "chroma", "inpaint")
# Inputs are pulled this far inside (-1, 1) before atanh, so that it stays finite.
_ATANH_MARGIN = 1e-3
# Initial bias of the composite's mask logits: sigmoid(-3) = 0.05, so that an
# untrained network returns (almost) its input, as the residual mode does, and
# learns where to paint instead of learning everywhere not to.
_MASK_BIAS = -3.0
# "smooth_or_input" starts near the smooth fill: sigmoid(-2) = 0.12 of the hole's own pixels.
_GATE_BIAS = -2.0
# The luma weights of `pix2pix_tf.data.transforms.to_grayscale` (ITU-R BT.601),
# normalised to sum to 1 so that a gray pixel is its own luma.
_LUMA = tuple(w / sum((0.2989, 0.5870, 0.1140)) for w in (0.2989, 0.5870, 0.1140))


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


def _as_channels(image, channels):
    """``image`` with ``channels`` channels: a gray image repeated, else unchanged."""
    if image.shape[-1] == channels:
        return image
    return ops.repeat(image, channels, axis=-1)


@keras.saving.register_keras_serializable(package="pix2pix_tf")
class ResidualOutput(layers.Layer):
    """``tanh(atanh(input) + correction)``: the input itself when the correction is 0.

    The correction is added before the tanh, so outputs stay in (-1, 1) without
    a clip that would stop the gradient where the sum leaves the range.
    """

    def call(self, inputs):
        image, correction = inputs
        image = ops.cast(_as_channels(image, correction.shape[-1]), correction.dtype)
        image = ops.clip(image, -1.0 + _ATANH_MARGIN, 1.0 - _ATANH_MARGIN)
        # atanh written with a log: TFLite has no atanh kernel.
        return ops.tanh(0.5 * ops.log((1.0 + image) / (1.0 - image)) + correction)


@keras.saving.register_keras_serializable(package="pix2pix_tf")
class CompositeOutput(layers.Layer):
    """``mask * generated + (1 - mask) * input``, with a predicted soft mask in [0, 1].

    Where the mask is 0 the output is exactly the input, so pixels that the
    network leaves alone keep their detail (cf. the attention masks of
    GANimation, Pumarola et al., 2018).

    Args:
        hard_at_inference: outside training, round the mask to 0 or 1, so that
            every pixel is either the input's exactly or the generated one (a
            soft mask keeps a faint ghost of the occluder where it is unsure).
    """

    def __init__(self, hard_at_inference=False, **kwargs):
        super().__init__(**kwargs)
        self.hard_at_inference = bool(hard_at_inference)

    def call(self, inputs, training=None):
        image, generated, mask = inputs
        image = ops.cast(_as_channels(image, generated.shape[-1]), generated.dtype)
        if self.hard_at_inference and not training:
            mask = ops.cast(mask > 0.5, mask.dtype)
        return image + mask * (generated - image)

    def get_config(self):
        return {**super().get_config(), "hard_at_inference": self.hard_at_inference}


@keras.saving.register_keras_serializable(package="pix2pix_tf")
class BlankHole(layers.Layer):
    """The photo channels set to 0 (mid-grey) where the last channel, the given
    mask, is above 0: the network sees the same hole whatever covered it, as
    inpainting networks do (DeepFill, LaMa), rather than the occluder itself."""

    def call(self, inputs):
        fill = inputs[..., -1:] > 0.0  # (bs, H, W, 1)
        photo = ops.where(fill, ops.zeros_like(inputs[..., :-1]), inputs[..., :-1])
        return ops.concatenate([photo, inputs[..., -1:]], axis=-1)


@keras.saving.register_keras_serializable(package="pix2pix_tf")
class InpaintOutput(layers.Layer):
    """The generated image where the input's last channel (the given mask) is
    above 0, the input's photo channels exactly elsewhere: mask-given inpainting."""

    def call(self, inputs):
        image, generated = inputs
        image = ops.cast(image, generated.dtype)
        fill = ops.cast(image[..., -1:] > 0.0, generated.dtype)  # (bs, H, W, 1)
        photo = image[..., : generated.shape[-1]]
        return photo + fill * (generated - photo)


def chroma_offsets(chroma):
    """RGB offsets of (Cb, Cr) in [-1, 1]: each has zero luma (BT.601 YCbCr).

    Cb = 1 is the bluest offset that fits between black and white (B - Y =
    2 * (1 - w_b) in [-1, 1] units), Cr = 1 the reddest; green balances the
    luma to exactly 0.

    Args:
        chroma: (..., 2) tensor of (Cb, Cr).

    Returns:
        (..., 3) RGB offsets.
    """
    w_r, w_g, w_b = _LUMA
    d_b = 2.0 * (1.0 - w_b) * chroma[..., :1]  # (..., 1)
    d_r = 2.0 * (1.0 - w_r) * chroma[..., 1:2]  # (..., 1)
    d_g = -(w_r * d_r + w_b * d_b) / w_g
    return ops.concatenate([d_r, d_g, d_b], axis=-1)


@keras.saving.register_keras_serializable(package="pix2pix_tf")
class ChromaOutput(layers.Layer):
    """The input's luma with predicted chroma: ``Y + t * offsets(Cb, Cr)``.

    The network predicts only colour; the brightness, and all the detail it
    carries, is the gray input's (as the colorization models of Zhang et al.,
    2016, and of the pix2pix reference implementation keep the L of Lab; here
    YCbCr, whose luma is the library's grayscale, so that the output's
    grayscale is the input exactly). Where the colour would leave [-1, 1], the
    chroma is scaled down (``t`` < 1) instead of clipping a channel, which keeps
    the luma and the hue.

    A 3-channel input gives its luma. Zero chroma returns the gray input.
    """

    def call(self, inputs):
        image, chroma = inputs
        image = ops.cast(image, chroma.dtype)
        if image.shape[-1] == 3:
            image = ops.sum(image * ops.convert_to_tensor(_LUMA, chroma.dtype), -1, keepdims=True)
        luma = ops.clip(image, -1.0, 1.0)  # (bs, H, W, 1)
        offsets = chroma_offsets(chroma)  # (bs, H, W, 3)
        # How far each channel may move before it leaves [-1, 1]: t * offset fits.
        room = ops.where(offsets > 0, 1.0 - luma, -1.0 - luma)
        moving = ops.abs(offsets) > 1e-6
        limits = ops.where(moving, room / ops.where(moving, offsets, 1.0), 1.0)
        scale = ops.clip(ops.min(limits, axis=-1, keepdims=True), 0.0, 1.0)  # (bs, H, W, 1)
        return ops.clip(luma + scale * offsets, -1.0, 1.0)


@keras.saving.register_keras_serializable(package="pix2pix_tf")
class UNetGenerator(keras.Model):
    """U-Net generator with skip connections (Isola et al., 2017, arXiv:1611.07004).

    The encoder halves the image ``depth`` times; the decoder doubles it back and
    concatenates the encoder's features of the same size. As in the reference
    implementation, the outermost and innermost encoder layers have no norm (a
    1x1 bottleneck normalised over a batch of one would be all zeros).

    The last layer gives the image itself (``output_mode="direct"``, the paper),
    a correction added to the input (``"residual"``), an image and a soft mask
    that composites it over the input (``"composite"``), or the colour of a gray
    input on its own luma (``"chroma"``): the last three start near the input and
    keep what needs no change, as restoration tasks want.

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
        output_mode: "direct" (tanh image), "residual" (input + correction, in
            tanh space), "composite" (a generated image blended over the input
            by a predicted soft mask), "chroma" (predicted Cb, Cr on the input's
            luma, `ChromaOutput`; 3 output channels) or "inpaint" (the image
            where a mask given as the last input channel is > 0, the input
            elsewhere, `InpaintOutput`; the network sees the hole blanked,
            `BlankHole`, or filled, ``hole_fill``). Residual and composite need
            ``input_channels`` equal to ``output_channels`` or 1 (a gray input
            is repeated); chroma needs 1 (or 3, whose luma is kept); inpaint
            ``output_channels + 1``.
        upsampling: "transpose" (stride-2 transposed convolutions, the paper)
            or "resize" (nearest resize + 3x3 convolution: no checkerboard,
            `blocks.upsampling_conv`).
        hard_mask: composite output rounds its mask to 0 or 1 outside
            training (`CompositeOutput`).
        hole_fill: inpaint output: what the network sees in the hole, "blank"
            (mid-grey, `BlankHole`, as DeepFill and LaMa), "smooth" (filled
            from its border, `SmoothFill`; the network corrects that fill) or
            "smooth_and_input" (that fill, and the input's own pixels beside it:
            for a blind model, whose hole may hold a blur of the face), or
            "smooth_or_input" (sees both, and corrects a per-pixel blend of
            the two that it predicts, ``input_gate``: a lightly blurred pixel
            or one found by mistake can be kept as it was).
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
        output_mode="direct",
        upsampling="transpose",
        hard_mask=False,
        hole_fill="blank",
        **kwargs,
    ):
        check_upsampling(upsampling)
        check_hole_fill(hole_fill, output_mode)
        if depth < 1:
            raise ValueError(f"depth must be at least 1, got {depth}.")
        if output_mode not in OUTPUT_MODES:
            raise ValueError(f"output_mode must be one of {OUTPUT_MODES}, got {output_mode!r}.")
        if output_mode == "chroma" and (output_channels != 3 or input_channels not in (1, 3)):
            raise ValueError(
                "output_mode 'chroma' colours a gray input: it needs input_channels 1 (or 3, "
                f"whose luma is kept) and output_channels 3, got {input_channels} and "
                f"{output_channels}; use 'direct'."
            )
        if hard_mask and output_mode != "composite":
            raise ValueError(
                f"hard_mask rounds the blend mask of composite output; output_mode is "
                f"{output_mode!r}: use output_mode='composite' or hard_mask=False."
            )
        if output_mode == "inpaint" and input_channels != output_channels + 1:
            raise ValueError(
                "output_mode 'inpaint' fills the pixels of a mask given as the last input "
                f"channel: input_channels must be output_channels + 1 ({output_channels + 1}), "
                f"got {input_channels}."
            )
        if output_mode not in ("direct", "inpaint") and input_channels not in (1, output_channels):
            raise ValueError(
                f"output_mode {output_mode!r} adds to the input, so input_channels must be 1 "
                f"or output_channels ({output_channels}), got {input_channels}; use 'direct'."
            )
        height, width = check_image_size(image_size, depth)
        filters = [min(base_filters * 2**i, max_filters) for i in range(depth)]

        inputs = keras.Input((height, width, input_channels), name="input_image")
        x = inputs
        if output_mode == "inpaint" and hole_fill != "blank":
            # float32: the fill is the output's starting point, kept exact under mixed precision.
            x = SmoothFill(depth, dtype="float32", name="smooth_fill")(inputs)
        elif output_mode == "inpaint":
            x = BlankHole(name="blank_hole")(inputs)
        start = x
        if hole_fill in ("smooth_and_input", "smooth_or_input"):
            # What the hole held, too: a blur or pixelation keeps most of the face,
            # which a blind model can restore.
            x = layers.Concatenate(name="fill_and_input")([x, inputs[..., :-1]])
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
            x = upsample(
                x, f, f"up{i + 1}", norm=norm, dropout=rate, seed=seed_i, upsampling=upsampling
            )
            x = layers.Concatenate(name=f"up{i + 1}_skip")([x, skip])  # (bs, h, w, 2f)

        outputs = self._output_layers(
            inputs, x, output_channels, output_mode, upsampling, hard_mask, start, hole_fill
        )
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
        self.output_mode = output_mode
        self.upsampling = upsampling
        self.hard_mask = bool(hard_mask)
        self.hole_fill = hole_fill

    @staticmethod
    def _output_layers(
        inputs, x, output_channels, output_mode, upsampling, hard_mask, start, hole_fill
    ):
        def last_layer(channels, activation, name, bias=0.0):
            return upsampling_conv(
                x,
                channels,
                name,
                4,
                upsampling,
                kernel_initializer=conv_init(),
                bias_initializer=keras.initializers.Constant(bias) if bias else "zeros",
                activation=activation,
                dtype="float32",  # keep the image in float32 under mixed precision
            )  # (bs, H, W, channels)

        if output_mode == "direct":
            return last_layer(output_channels, "tanh", "output_image")
        if output_mode == "residual":
            correction = last_layer(output_channels, None, "correction")  # (bs, H, W, out)
            return ResidualOutput(dtype="float32", name="output_image")([inputs, correction])
        if output_mode == "chroma":
            chroma = last_layer(2, "tanh", "chroma")  # (bs, H, W, 2): Cb, Cr
            return ChromaOutput(dtype="float32", name="output_image")([inputs, chroma])
        if output_mode == "inpaint" and hole_fill != "blank":
            correction = last_layer(output_channels, None, "correction")  # (bs, H, W, out)
            filled = start[..., :output_channels]  # the smooth fill, (bs, H, W, out)
            if hole_fill == "smooth_or_input":  # per pixel, the fill or what the hole held
                gate = last_layer(1, "sigmoid", "input_gate", _GATE_BIAS)  # (bs, H, W, 1)
                held = inputs[..., :output_channels]
                filled = CompositeOutput(dtype="float32", name="fill_or_input")(
                    [filled, held, gate]
                )
            generated = ResidualOutput(dtype="float32", name="generated")([filled, correction])
            return InpaintOutput(dtype="float32", name="output_image")([inputs, generated])
        if output_mode == "inpaint":
            generated = last_layer(output_channels, "tanh", "generated")  # (bs, H, W, out)
            return InpaintOutput(dtype="float32", name="output_image")([inputs, generated])
        generated = last_layer(output_channels, "tanh", "generated")  # (bs, H, W, out)
        mask = last_layer(1, "sigmoid", "blend_mask", _MASK_BIAS)  # (bs, H, W, 1)
        composite = CompositeOutput(hard_mask, dtype="float32", name="output_image")
        return composite([inputs, generated, mask])

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
            "output_mode": self.output_mode,
            "upsampling": self.upsampling,
            "hard_mask": self.hard_mask,
            "hole_fill": self.hole_fill,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
