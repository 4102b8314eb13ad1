"""Blind occlusion removal in two networks: one finds the occlusion, one fills it."""

import keras
from keras import ops

from pix2pix_tf.models.generators import UNetGenerator

# What an untrained detector's sigmoid starts at: it finds nothing, so an
# untrained model returns its input, as the composite output does.
_DETECTOR_BIAS = -3.0


@keras.saving.register_keras_serializable(package="pix2pix_tf")
class FindAndFillGenerator(keras.Model):
    """A detector U-Net that finds the occluded pixels, and a mask-given
    inpainting U-Net (``output_mode="inpaint"``) that fills them.

    Called on a photo (``channels`` channels), it thresholds the detector's
    mask, widens it by ``grow`` pixels and fills it: every pixel outside the
    found mask is the input's exactly. Called on a photo with a mask as one more
    channel (> 0 fill), it fills the given mask: one model, blind or mask-given.

    Each network trains on its own loss (`Pix2Pix` with this generator): the
    detector on the true mask (`losses.occlusion_mask_loss`), the inpainter on
    the true mask's hole, as the mask-given recipe; neither waits for the other
    to be right, which a single network with a blend mask had to (its mask head
    and its fill shared every layer; docs/quality.md).

    Args:
        image_size: (height, width), multiples of 2**depth; None for any such size.
        channels: channels of the photo (and of the output).
        depth, base_filters, max_filters, norm, upsampling, seed: as for
            `UNetGenerator`, for both networks.
        dropout: dropout rate of the inpainter's first decoder blocks (the
            detector has none).
        hole_fill: what the inpainter sees in the hole: "smooth",
            "smooth_and_input" (the occlusion recipe), "smooth_or_input" or
            "blank" (`UNetGenerator`).
        threshold: detector probability above which a pixel is filled.
        grow: pixels by which the found mask is widened (a (2 grow + 1)-square max),
            so that an occluder's soft edge is filled too.
        learn_found: in training, the inpainter fills the true mask united with
            what the detector finds (`training_inputs`), so that it also learns to
            give back the pixels found by mistake as they were; else the true mask.
        **kwargs: passed to `keras.Model`.

    Example:
        >>> g = FindAndFillGenerator(image_size=(64, 64), depth=6, base_filters=8)
        >>> g(keras.ops.zeros((2, 64, 64, 3))).shape  # blind
        (2, 64, 64, 3)
        >>> g(keras.ops.zeros((2, 64, 64, 4))).shape  # the mask given
        (2, 64, 64, 3)
    """

    finds_mask = True  # the exports get masked signatures too (`export_generator`)

    def __init__(
        self,
        image_size=(256, 256),
        channels=3,
        depth=8,
        base_filters=16,
        max_filters=512,
        norm="batch",
        upsampling="resize",
        seed=None,
        dropout=0.0,
        hole_fill="smooth",
        threshold=0.5,
        grow=0,
        learn_found=False,
        **kwargs,
    ):
        # float32: Keras casts a model's inputs to its compute dtype, and under mixed
        # precision the photo would reach the inpainter rounded to bfloat16, so the
        # pixels it keeps would not be the input's exactly. Each network keeps the policy.
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must be in (0, 1), got {threshold}.")
        if int(grow) != grow or grow < 0:
            raise ValueError(f"grow must be a whole number of pixels >= 0, got {grow!r}.")
        shared = dict(
            image_size=image_size,
            depth=depth,
            base_filters=base_filters,
            max_filters=max_filters,
            norm=norm,
            upsampling=upsampling,
            seed=seed,
        )
        self.detector = UNetGenerator(
            input_channels=channels, output_channels=1, dropout=0.0, name="detector", **shared
        )
        # Logit bias: the tanh output is 2 * sigmoid(2x) - 1, so this starts the
        # probability at sigmoid(_DETECTOR_BIAS).
        self.detector.get_layer("output_image").bias.assign(ops.full((1,), _DETECTOR_BIAS / 2.0))
        self.inpainter = UNetGenerator(
            input_channels=channels + 1,
            output_channels=channels,
            output_mode="inpaint",
            hole_fill=hole_fill,
            dropout=dropout,
            name="inpainter",
            **shared,
        )
        self.image_size = self.inpainter.image_size
        self.channels = channels
        self.input_channels = channels  # what the blind call (and `serve`) takes
        self.output_channels = channels
        self.depth = depth
        self.base_filters = base_filters
        self.max_filters = max_filters
        self.norm = norm
        self.upsampling = upsampling
        self.seed = seed
        self.dropout = dropout
        self.hole_fill = hole_fill
        self.threshold = float(threshold)
        self.grow = int(grow)
        self.learn_found = bool(learn_found)
        self.built = True  # both networks are functional models, built on construction

    def occlusion_probability(self, images, training=None):
        """(batch, H, W, 1) float32: the detector's probability that a pixel is occluded."""
        found = ops.cast(self.detector(images, training=training), "float32")
        # Shaped as the images, one channel: a rewritten decoder (`subpixel`) leaves it unknown.
        batch, height, width = ops.shape(images)[:3]
        found = ops.reshape(found, (batch, height, width, 1))
        return (found + 1.0) / 2.0

    def found_mask(self, images, probability=None):
        """(batch, H, W, 1) float32: 1 where the pixels will be filled, -1 elsewhere
        (from ``probability``, the detector's on ``images`` when None)."""
        if probability is None:
            probability = self.occlusion_probability(images, training=False)
        fill = ops.cast(probability > self.threshold, "float32")
        if self.grow:
            size = 2 * self.grow + 1
            fill = ops.max_pool(fill, size, strides=1, padding="same")
        return 2.0 * fill - 1.0

    def fill_found(self, images, probability=None, training=None):
        """``images`` with the pixels the detector finds filled (its ``probability``
        on them, computed when None): the blind call."""
        mask = ops.cast(self.found_mask(images, probability), images.dtype)
        return self.inpainter(ops.concatenate([images, mask], axis=-1), training=training)

    def training_inputs(self, inputs, probability):
        """``inputs`` (photo and true mask, +-1) with the mask the inpainter trains
        on: the true one, or with ``learn_found`` the true one united with the
        mask found from ``probability`` (no gradient flows to the detector)."""
        if not self.learn_found:
            return inputs
        found = ops.stop_gradient(self.found_mask(None, probability))
        mask = ops.maximum(inputs[..., -1:], ops.cast(found, inputs.dtype))
        return ops.concatenate([inputs[..., :-1], mask], axis=-1)

    def call(self, inputs, training=None):
        if inputs.shape[-1] == self.channels + 1:  # the mask is given
            return self.inpainter(inputs, training=training)
        return self.fill_found(inputs, training=training)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "image_size": self.image_size,
            "channels": self.channels,
            "depth": self.depth,
            "base_filters": self.base_filters,
            "max_filters": self.max_filters,
            "norm": self.norm,
            "upsampling": self.upsampling,
            "seed": self.seed,
            "dropout": self.dropout,
            "hole_fill": self.hole_fill,
            "threshold": self.threshold,
            "grow": self.grow,
            "learn_found": self.learn_found,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
