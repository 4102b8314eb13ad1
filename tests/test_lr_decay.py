"""The learning-rate decay under a time budget (training.callbacks.DecayToBudget)."""

import keras
import numpy as np
import pytest
from fake_clock import FakeClock

from pix2pix_tf.models.discriminators import PatchDiscriminator
from pix2pix_tf.models.generators import UNetGenerator
from pix2pix_tf.models.pix2pix import Pix2Pix
from pix2pix_tf.models.schedules import has_schedule, pix2pix_adam
from pix2pix_tf.training import TrainConfig, build_model, compile_model, train
from pix2pix_tf.training.callbacks import DecayToBudget


def _model():
    g = UNetGenerator(image_size=(32, 32), depth=5, base_filters=4, seed=0)
    d = PatchDiscriminator(image_size=(32, 32), base_filters=4, n_layers=2)
    model = Pix2Pix(g, d)
    model.compile(g_optimizer=pix2pix_adam(1e-3), d_optimizer=pix2pix_adam(1e-3))
    return model


def _rates(model):
    return [float(o.learning_rate.numpy()) for o in (model.g_optimizer, model.d_optimizer)]


def test_the_rate_follows_the_clock_when_time_runs_out_before_the_steps():
    model, clock = _model(), FakeClock()
    decay = DecayToBudget(1e-3, 0.5, total_steps=10_000, seconds=100.0, clock=clock)
    decay.set_model(model)
    decay.on_train_begin()
    expected = {0.0: 1e-3, 50.0: 1e-3, 75.0: 5e-4, 90.0: 2e-4, 100.0: 0.0, 130.0: 0.0}
    for now, rate in expected.items():
        clock.now = now
        decay.on_train_batch_begin(0)
        assert _rates(model) == pytest.approx([rate, rate], abs=1e-9), now
        decay.on_train_batch_end(0)


def test_the_rate_follows_the_steps_when_they_run_out_first_or_there_is_no_budget():
    for seconds in (None, 1e9):
        model = _model()
        # Resumed at step 4 of 10, decayed over the last 40%.
        decay = DecayToBudget(1e-3, 0.4, total_steps=10, seconds=seconds, done=4, clock=FakeClock())
        decay.set_model(model)
        decay.on_train_begin()
        rates = []
        for batch in range(6):
            decay.on_train_batch_begin(batch)
            rates.append(_rates(model)[0])
            decay.on_train_batch_end(batch)
        assert rates == pytest.approx([1e-3, 1e-3, 1e-3, 7.5e-4, 5e-4, 2.5e-4])


class WeightsMoved(keras.callbacks.Callback):
    """Records, batch by batch, whether the generator's weights changed."""

    def on_train_batch_begin(self, batch, logs=None):
        self.before = [w.numpy().copy() for w in self.model.generator.trainable_weights]

    def on_train_batch_end(self, batch, logs=None):
        after = [w.numpy() for w in self.model.generator.trainable_weights]
        moved = not all(np.array_equal(a, b) for a, b in zip(self.before, after, strict=True))
        self.moved = [*getattr(self, "moved", []), moved]


def test_fit_trains_at_the_rate_the_callback_sets_after_the_step_is_traced():
    model, clock = _model(), FakeClock()
    x = np.random.default_rng(0).uniform(-1, 1, (8, 32, 32, 3)).astype("float32")

    class Tick(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            clock.now += 100.0

    # Batches at 0, 100, 200 and 300 s of a 150 s budget, decayed over its second half.
    decay = DecayToBudget(1e-3, 0.5, total_steps=1_000, seconds=150.0, clock=clock)
    moved = WeightsMoved()
    model.fit(x, x, batch_size=2, epochs=1, callbacks=[decay, moved, Tick()], verbose=0)
    assert moved.moved == [True, True, False, False]
    assert _rates(model) == [0.0, 0.0]


def test_the_fraction_must_be_in_0_1():
    with pytest.raises(ValueError, match=r"fraction must be in \(0, 1\]"):
        DecayToBudget(1e-3, 0.0, total_steps=10)


@pytest.mark.parametrize("max_minutes", [None, 10.0])
def test_mixed_float16_keeps_the_schedule_of_its_loss_scaled_optimizer(max_minutes):
    config = TrainConfig(
        image_size=(32, 32),
        base_filters=4,
        precision="mixed_float16",
        lr_decay_fraction=0.5,
        max_minutes=max_minutes,
    )
    model = build_model(config)
    compile_model(model, config, total_steps=100)
    assert isinstance(model.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert has_schedule(model.g_optimizer) is (max_minutes is None)
    if max_minutes is not None:  # the callback sets the rate through the wrapper
        decay = DecayToBudget(1e-3, 0.5, total_steps=100, seconds=60.0, clock=FakeClock())
        decay.set_model(model)
        decay.on_train_begin()
        decay.clock.now = 45.0
        decay.on_train_batch_begin(0)
        rate = model.g_optimizer.inner_optimizer.learning_rate.numpy()
        assert rate == pytest.approx(5e-4)


def test_a_time_budget_compiles_a_constant_rate_and_decays_it_in_train(tmp_path):
    common = dict(
        image_size=(32, 32), num_faces=20, base_filters=4, batch_size=2, lr_decay_fraction=0.5
    )
    stepped = build_model(TrainConfig.for_task("occlusion", **common))
    compile_model(stepped, TrainConfig.for_task("occlusion", **common), total_steps=100)
    assert has_schedule(stepped.g_optimizer)  # without a budget: the reference's schedule

    config = TrainConfig.for_task("occlusion", epochs=3, max_minutes=1e-6, **common)
    model, metrics = train(config, tmp_path, verbose=0)
    assert not has_schedule(model.g_optimizer)
    # One step, taken after the whole budget had run out: at a rate of 0.
    assert metrics["steps"] == 1 and _rates(model) == [0.0, 0.0]
