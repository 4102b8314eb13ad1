"""Learning-rate schedule of the pix2pix reference implementation."""

import keras
from keras import ops

from pix2pix_tf.models.optimizers import FusedAdam


@keras.saving.register_keras_serializable(package="pix2pix_tf")
class ConstantThenLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Constant for ``constant_steps``, then linearly down to zero over ``decay_steps``.

    The reference trains `n_epochs` at the initial rate and `n_epochs_decay` more
    while decaying it linearly to zero ("linear" lr policy).

    Args:
        initial_learning_rate: rate of the constant phase (2e-4 in the paper).
        constant_steps: optimizer steps at the initial rate.
        decay_steps: optimizer steps of the decay; 0 keeps the rate constant.
    """

    def __init__(self, initial_learning_rate=2e-4, constant_steps=0, decay_steps=0):
        if constant_steps < 0 or decay_steps < 0:
            raise ValueError("constant_steps and decay_steps must be >= 0.")
        self.initial_learning_rate = initial_learning_rate
        self.constant_steps = constant_steps
        self.decay_steps = decay_steps

    def __call__(self, step):
        lr = ops.convert_to_tensor(self.initial_learning_rate, "float32")
        if not self.decay_steps:
            return lr
        past = ops.maximum(ops.cast(step, "float32") - self.constant_steps, 0.0)
        return lr * ops.maximum(1.0 - past / float(self.decay_steps), 0.0)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "constant_steps": self.constant_steps,
            "decay_steps": self.decay_steps,
        }


def pix2pix_adam(learning_rate=2e-4, constant_steps=0, decay_steps=0):
    """Adam(lr 2e-4, beta_1 0.5) as in the paper, optionally with linear decay."""
    schedule = (
        ConstantThenLinearDecay(learning_rate, constant_steps, decay_steps)
        if decay_steps
        else learning_rate
    )
    return FusedAdam(learning_rate=schedule, beta_1=0.5, beta_2=0.999)


def has_schedule(optimizer):
    """Whether ``optimizer`` decays its rate itself (a step-based schedule)
    rather than holding a constant one that a callback may set."""
    # Mixed float16 wraps the optimizer in a LossScaleOptimizer, whose own rate is
    # a placeholder: the schedule, if any, is the inner one's.
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)
    # The public `learning_rate` evaluates a schedule; the attribute keeps it.
    return isinstance(optimizer._learning_rate, keras.optimizers.schedules.LearningRateSchedule)


class TwoOptimizerCompileConfig:
    """Saves and restores a GAN's ``g_optimizer`` and ``d_optimizer`` with the model.

    Mixed into the GAN models (before `keras.Model`) whose ``compile`` takes
    both optimizers, so that a loaded ``.keras`` file resumes with their state.
    """

    def get_compile_config(self):
        if not self.compiled:
            return {}
        return {
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
        }

    def compile_from_config(self, config):
        if config:
            self.compile(
                g_optimizer=keras.saving.deserialize_keras_object(config["g_optimizer"]),
                d_optimizer=keras.saving.deserialize_keras_object(config["d_optimizer"]),
            )
