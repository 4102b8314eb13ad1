"""The trainable pix2pix model: a generator and a discriminator trained together."""

import keras
import tensorflow as tf
from keras import ops

from pix2pix_tf.models import metrics as quality
from pix2pix_tf.models.blocks import INFERENCE_MODES, set_inference_mode
from pix2pix_tf.models.losses import (
    changed_pixels,
    check_gan_mode,
    check_l1_weighting,
    discriminator_loss,
    feature_matching_loss,
    generator_gan_loss,
    hole_l1_loss,
    l1_loss,
    mask_loss,
    occlusion_mask_loss,
    weighted_l1_loss,
)
from pix2pix_tf.models.replicas import reducible_logs
from pix2pix_tf.models.schedules import TwoOptimizerCompileConfig, pix2pix_adam

# PSNR of identical images is infinite; cap it so that means stay finite.
PSNR_CAP_DB = 100.0


def _loss_scale_for_precision(optimizer):
    """Wraps ``optimizer`` for loss scaling when the global policy is mixed_float16."""
    needs_scaling = keras.config.dtype_policy().name == "mixed_float16"
    if needs_scaling and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def _features_and_logits(discriminator):
    """A model sharing ``discriminator``'s weights that returns its hidden
    LeakyReLU activations, then its logits."""
    hidden = [
        layer.output for layer in discriminator.layers if isinstance(layer, keras.layers.LeakyReLU)
    ]
    if not hidden:
        raise ValueError(
            "feature matching needs a discriminator with LeakyReLU layers (e.g. "
            "PatchDiscriminator); set feature_matching_weight=0."
        )
    return keras.Model(discriminator.inputs, [*hidden, discriminator.outputs[0]])


def _image_and_mask(generator):
    """A model sharing ``generator``'s weights that returns its output image and
    the soft mask that blended it (a composite generator's "blend_mask" layer)."""
    if getattr(generator, "output_mode", None) != "composite":
        raise ValueError(
            "mask_weight supervises the blend mask of a composite generator; build it "
            "with UNetGenerator(output_mode='composite') (--output-mode composite) or "
            "set mask_weight=0."
        )
    mask = generator.get_layer("blend_mask").output
    return keras.Model(generator.input, [generator.output, mask])


@keras.saving.register_keras_serializable(package="pix2pix_tf")
class Pix2Pix(TwoOptimizerCompileConfig, keras.Model):
    """Conditional GAN for paired image-to-image translation (pix2pix).

    Isola, Zhu, Zhou and Efros, "Image-to-Image Translation with Conditional
    Adversarial Networks", CVPR 2017 (arXiv:1611.07004). The generator minimises
    the GAN loss plus ``l1_weight`` times the L1 distance to the target; the
    discriminator sees (input, target) and (input, generated) pairs.

    Calling the model runs the generator, so `fit`, `evaluate`, `predict`,
    callbacks and `tf.distribute` strategies work as for any Keras model.

    A `FindAndFillGenerator` (blind occlusion removal) trains on inputs with the
    true mask as their last channel: its inpainter fills that mask (the
    mask-given task, with ``hole_l1``), its detector learns the occluded pixels
    (``g_find``, `losses.occlusion_mask_loss`); validation, `predict` and calling
    the model run it blind, on the photo channels alone.

    Args:
        generator: image-to-image network, e.g. `UNetGenerator`.
        discriminator: network on ``[input, image]`` returning logits, e.g.
            `PatchDiscriminator`.
        l1_weight: lambda of the L1 term (100 in the paper).
        gan_mode: "vanilla" (the paper) or "lsgan".
        inference_mode: what ``training=False`` means for the generator:
            "standard" (moving averages, no dropout) or "paper" (batch statistics
            and dropout at test time, as in the paper).
        changed_weight: extra L1 weight on the pixels where the input differs
            from the target (`losses.changed_pixels`): each such pixel counts
            ``1 + changed_weight`` times, so a small occlusion is not drowned out
            by the pixels the generator only has to copy. 0 is the paper's L1.
        feature_matching_weight: weight of the L1 distance between the
            discriminator's features of real and generated pairs
            (`losses.feature_matching_loss`); 0 (the paper) leaves it out.
        mask_weight: weight of a cross-entropy that teaches a composite
            generator's blend mask the pixels the input changed
            (`losses.mask_loss`), so that it covers an occlusion to its edges
            and leaves the rest exactly as it was; 0 leaves the mask to the L1.
        hole_l1: mask-given inpainting (a generator with "inpaint" output, whose
            last input channel is the hole, above 0): the L1 is a mean over each
            image's hole instead of the whole image (`losses.hole_l1_loss`), so
            ``l1_weight`` weighs the fill against the GAN loss whatever the hole's size.
        **kwargs: passed to `keras.Model`.

    Example:
        >>> gen = UNetGenerator(image_size=(64, 64), depth=6, base_filters=8)
        >>> disc = PatchDiscriminator(image_size=(64, 64), base_filters=8)
        >>> model = Pix2Pix(gen, disc)
        >>> model.compile()
        >>> model.fit(train_pairs, validation_data=val_pairs, epochs=2)
    """

    def __init__(
        self,
        generator,
        discriminator,
        l1_weight=100.0,
        gan_mode="vanilla",
        inference_mode="standard",
        changed_weight=0.0,
        feature_matching_weight=0.0,
        mask_weight=0.0,
        hole_l1=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if min(changed_weight, feature_matching_weight, mask_weight) < 0:
            raise ValueError(
                "changed_weight, feature_matching_weight and mask_weight must be >= 0, got "
                f"{changed_weight}, {feature_matching_weight} and {mask_weight}."
            )
        check_gan_mode(gan_mode)
        if inference_mode not in INFERENCE_MODES:
            raise ValueError(
                f"inference_mode must be one of {INFERENCE_MODES}, got {inference_mode!r}."
            )
        self.generator = generator
        self.discriminator = discriminator
        self.l1_weight = float(l1_weight)
        self.gan_mode = gan_mode
        self.inference_mode = inference_mode
        self.changed_weight = float(changed_weight)
        self.feature_matching_weight = float(feature_matching_weight)
        self.mask_weight = float(mask_weight)
        self.hole_l1 = bool(hole_l1)
        check_l1_weighting(self.hole_l1, self.changed_weight)
        set_inference_mode(generator, inference_mode)
        # The discriminator's hidden activations and its logits, from one call; kept
        # in a tuple, which Keras does not track, so its (shared) weights are saved once.
        self._disc_features = (
            (_features_and_logits(discriminator),) if self.feature_matching_weight else ()
        )
        self._image_and_mask = (_image_and_mask(generator),) if self.mask_weight else ()
        self.finds_mask = bool(getattr(generator, "finds_mask", False))

        names = ("g_total", "g_gan", "g_l1", "d")
        if self.feature_matching_weight:
            names = names[:3] + ("g_fm",) + names[3:]
        if self.mask_weight:
            names = names[:-1] + ("g_mask",) + names[-1:]
        if self.finds_mask:
            names = names[:-1] + ("g_find",) + names[-1:]
        self.loss_trackers = {name: keras.metrics.Mean(name=name) for name in names}
        self.quality_trackers = {
            name: keras.metrics.Mean(name=name) for name in ("ssim", "psnr", "l1")
        }
        self.built = True  # both networks are functional models, built on construction

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Keras builds a model under a strategy from a first batch, which it averages
        # over the replicas: that fails under MultiWorkerMirroredStrategy
        # (keras-team/keras#20585). Both networks are built on construction, and
        # the optimizers in `compile`, so once compiled there is nothing to build.
        if self.compiled and self.g_optimizer.built and self.d_optimizer.built:
            return
        super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    def call(self, inputs, training=None):
        if self.finds_mask and inputs.shape[-1] == self.generator.channels + 1:
            inputs = inputs[..., : self.generator.channels]  # blind, as it is used
        return self.generator(inputs, training=training)

    @property
    def metrics(self):
        return [*self.loss_trackers.values(), *self.quality_trackers.values()]

    def compile(self, g_optimizer=None, d_optimizer=None, **kwargs):
        """Configures training.

        Args:
            g_optimizer: optimizer of the generator; Adam(2e-4, beta_1=0.5) if None.
            d_optimizer: optimizer of the discriminator; the same default.
            **kwargs: passed to `keras.Model.compile` (e.g. ``jit_compile``,
                ``steps_per_execution``); ``optimizer`` and ``loss`` are not used.
        """
        for unused in ("optimizer", "loss"):
            if kwargs.pop(unused, None) is not None:
                raise ValueError(
                    f"Pix2Pix.compile takes g_optimizer and d_optimizer, not {unused}=."
                )
        self.g_optimizer = _loss_scale_for_precision(g_optimizer or pix2pix_adam())
        self.d_optimizer = _loss_scale_for_precision(d_optimizer or pix2pix_adam())
        # Build each optimizer on its own network's variables; Keras would
        # otherwise build `self.optimizer` on both networks' variables.
        self.g_optimizer.build(self.generator.trainable_variables)
        self.d_optimizer.build(self.discriminator.trainable_variables)
        # The generator's optimizer is `self.optimizer`, so that callbacks such as
        # TensorBoard count steps with its `iterations`.
        super().compile(optimizer=self.g_optimizer, auto_scale_loss=False, **kwargs)

    def _generate(self, inputs, training):
        """The generated images; their blend masks (or a detector's occlusion
        probabilities) when the loss needs them; and the hole the images filled
        when it is not the inputs' mask channel (else None)."""
        if self.finds_mask:
            channels = self.generator.channels
            if inputs.shape[-1] != channels + 1:
                raise ValueError(
                    f"A FindAndFillGenerator learns from the true occlusion mask: the inputs "
                    f"need it as a last channel ({channels + 1} channels, got "
                    f"{inputs.shape[-1]}); train on a task with masks (--task occlusion)."
                )
            photo = inputs[..., :channels]
            probability = self.generator.occlusion_probability(photo, training=training)
            if training:  # the inpainter fills the true mask (and what is found: learn_found)
                filled = self.generator.training_inputs(inputs, probability)
                hole = ops.cast(filled[..., -1:] > 0, "float32")
                return self.generator(filled, training=True), probability, hole
            # Validation runs blind, as users do, on the probability it is scored by.
            blind = self.generator.fill_found(photo, probability, training=False)
            return blind, probability, None
        if self.mask_weight:
            return (*self._image_and_mask[0](inputs, training=training), None)
        return self.generator(inputs, training=training), None, None

    def _pix2pix_losses(self, inputs, targets, generated, training, mask=None, hole=None):
        if self.feature_matching_weight:
            features = self._disc_features[0]
            *real_features, real_logits = features([inputs, targets], training=training)
            *fake_features, fake_logits = features([inputs, generated], training=training)
        else:
            real_logits = self.discriminator([inputs, targets], training=training)
            fake_logits = self.discriminator([inputs, generated], training=training)
        g_gan = generator_gan_loss(fake_logits, self.gan_mode)
        if self.hole_l1:
            if hole is None:
                hole = ops.cast(inputs[..., -1:] > 0, "float32")
            g_l1 = hole_l1_loss(targets, generated, hole)
        elif self.changed_weight:
            photo = inputs[..., :-1] if inputs.shape[-1] == targets.shape[-1] + 1 else inputs
            weights = 1.0 + self.changed_weight * changed_pixels(photo, targets)
            g_l1 = weighted_l1_loss(targets, generated, weights)
        else:
            g_l1 = l1_loss(targets, generated)
        losses = {"g_total": g_gan + self.l1_weight * g_l1, "g_gan": g_gan, "g_l1": g_l1}
        if self.feature_matching_weight:
            losses["g_fm"] = feature_matching_loss(real_features, fake_features)
            losses["g_total"] += self.feature_matching_weight * losses["g_fm"]
        if self.finds_mask:
            # The detector learns the pixels that the occluder changed (what can be seen).
            hole = ops.cast(inputs[..., -1:] > 0, "float32")
            occluded = hole * changed_pixels(inputs[..., :-1], targets)
            losses["g_find"] = occlusion_mask_loss(occluded, mask)
            losses["g_total"] += losses["g_find"]
        elif mask is not None:
            losses["g_mask"] = mask_loss(changed_pixels(inputs, targets), mask)
            losses["g_total"] += self.mask_weight * losses["g_mask"]
        losses["d"] = discriminator_loss(real_logits, fake_logits, self.gan_mode)
        return losses

    def train_step(self, data):
        inputs, targets = data[:2]
        # Gradients are summed over replicas, so each replica's mean loss is divided
        # by their number: the update is that of the mean over the global batch.
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            generated, mask, hole = self._generate(inputs, training=True)
            losses = self._pix2pix_losses(
                inputs, targets, generated, training=True, mask=mask, hole=hole
            )
            g_loss = self.g_optimizer.scale_loss(losses["g_total"] / replicas)
            d_loss = self.d_optimizer.scale_loss(losses["d"] / replicas)
        g_vars = self.generator.trainable_variables
        d_vars = self.discriminator.trainable_variables
        self.g_optimizer.apply_gradients(zip(g_tape.gradient(g_loss, g_vars), g_vars))
        self.d_optimizer.apply_gradients(zip(d_tape.gradient(d_loss, d_vars), d_vars))
        for name, value in losses.items():
            self.loss_trackers[name].update_state(value)
        return reducible_logs(
            {name: tracker.result() for name, tracker in self.loss_trackers.items()}
        )

    def test_step(self, data):
        inputs, targets = data[:2]
        generated, mask, hole = self._generate(inputs, training=False)
        losses = self._pix2pix_losses(
            inputs, targets, generated, training=False, mask=mask, hole=hole
        )
        for name, value in losses.items():
            self.loss_trackers[name].update_state(value)
        scores = {
            "ssim": quality.ssim(targets, generated),
            "psnr": tf.minimum(quality.psnr(targets, generated), PSNR_CAP_DB),
            "l1": quality.l1(targets, generated),
        }
        for name, value in scores.items():
            self.quality_trackers[name].update_state(value)
        return reducible_logs({tracker.name: tracker.result() for tracker in self.metrics})

    def predict(self, x, inference_mode=None, **kwargs):
        """Generates images; ``inference_mode`` overrides the model's for this call."""
        if inference_mode is None or inference_mode == self.inference_mode:
            return super().predict(x, **kwargs)
        set_inference_mode(self.generator, inference_mode)
        self.predict_function = None  # the traced function baked in the old mode
        try:
            return super().predict(x, **kwargs)
        finally:
            set_inference_mode(self.generator, self.inference_mode)
            self.predict_function = None

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "l1_weight": self.l1_weight,
            "gan_mode": self.gan_mode,
            "inference_mode": self.inference_mode,
            "changed_weight": self.changed_weight,
            "feature_matching_weight": self.feature_matching_weight,
            "mask_weight": self.mask_weight,
            "hole_l1": self.hole_l1,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)
