import keras
import numpy as np
import pytest
import tensorflow as tf

from pix2pix_tf.models.cyclegan import CycleGAN
from pix2pix_tf.models.discriminators import PatchDiscriminator
from pix2pix_tf.models.resnet_generator import ResnetGenerator
from pix2pix_tf.models.schedules import ConstantThenLinearDecay, pix2pix_adam

SIZE = 32


def tiny_cyclegan(size=SIZE, n_blocks=2, filters=4, **kwargs):
    def gen(name):
        return ResnetGenerator((size, size), n_blocks=n_blocks, base_filters=filters, name=name)

    def disc(name):
        return PatchDiscriminator(
            (size, size),
            input_channels=0,
            base_filters=filters,
            n_layers=2,
            norm="instance",
            name=name,
        )

    return CycleGAN(gen("g_ab"), gen("g_ba"), disc("d_a"), disc("d_b"), **kwargs)


def domains(n=2, size=SIZE, seed=0):
    """A: smooth bright ramps; B: the same ramps darkened and mirrored (no pairs needed)."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(-0.8, 0.8, size, dtype="float32")
    yy, xx = np.meshgrid(ramp, ramp, indexing="ij")
    a = np.stack([np.stack([xx, yy, xx * yy], -1) * rng.uniform(0.5, 1) for _ in range(n)])
    b = -a[:, :, ::-1] * 0.8
    return a.astype("float32"), b.astype("float32")


def test_unconditional_discriminator_takes_the_image_alone():
    d = PatchDiscriminator((SIZE, SIZE), input_channels=0, base_filters=4, n_layers=2)
    assert len(d.inputs) == 1 and d(np.zeros((2, SIZE, SIZE, 3))).shape == (2, 6, 6, 1)
    clone = PatchDiscriminator.from_config(d.get_config())
    assert len(clone.inputs) == 1


def test_fit_gives_finite_losses_and_the_cycle_improves():
    model = tiny_cyclegan(pool_size=4)
    model.compile(g_optimizer=pix2pix_adam(1e-3), d_optimizer=pix2pix_adam(1e-3))
    a, b = domains()
    data = tf.data.Dataset.from_tensors((a, b)).repeat()
    history = model.fit(data, steps_per_epoch=8, epochs=3, shuffle=False, verbose=0).history
    assert set(history) == {
        "g_total",
        "g_gan_ab",
        "g_gan_ba",
        "cycle_a",
        "cycle_b",
        "idt_a",
        "idt_b",
        "d_a",
        "d_b",
    }
    assert all(np.isfinite(v).all() for v in history.values())
    assert history["cycle_a"][-1] < 0.8 * history["cycle_a"][0]
    assert int(model.g_optimizer.iterations) == 24 and int(model.d_optimizer.iterations) == 24
    assert int(model.pool_a.stored.numpy()) == 4 and int(model.pool_a.batches.numpy()) == 24


def test_evaluate_reports_cycle_psnr_and_input_output_ssim():
    model = tiny_cyclegan()
    model.compile()
    a, b = domains()
    results = model.evaluate(a, b, batch_size=2, verbose=0, return_dict=True)
    assert {"ssim_ab", "ssim_ba", "cycle_psnr_a", "cycle_psnr_b", "d_a", "cycle_b"} <= set(results)
    assert 0 < results["cycle_psnr_a"] < 100 and -1 <= results["ssim_ab"] <= 1


def test_call_is_the_a_to_b_generator():
    model = tiny_cyclegan()
    a, _ = domains()
    np.testing.assert_array_equal(np.asarray(model(a)), np.asarray(model.generator_ab(a)))
    assert model.generator is model.generator_ab and model.discriminator is model.discriminator_b


def test_identity_weight_zero_leaves_the_identity_out_and_weights_are_checked():
    model = tiny_cyclegan(identity_weight=0.0, pool_size=0)
    model.compile()
    a, b = domains()
    logs = model.fit(a, b, batch_size=2, epochs=1, verbose=0).history
    assert logs["idt_a"] == [0.0] and logs["idt_b"] == [0.0]
    with pytest.raises(ValueError, match="cycle_weight"):
        tiny_cyclegan(cycle_weight=-1)
    with pytest.raises(ValueError, match="fixed size"):
        g = ResnetGenerator(None, n_blocks=1, base_filters=4)
        d = PatchDiscriminator((SIZE, SIZE), input_channels=0, base_filters=4, n_layers=2)
        CycleGAN(g, g, d, d)


def test_keras_file_round_trip_keeps_outputs_optimizers_and_the_pool(tmp_path):
    model = tiny_cyclegan(pool_size=3, seed=7)
    model.compile(g_optimizer=pix2pix_adam(2e-4, 2, 4), d_optimizer=pix2pix_adam(2e-4, 2, 4))
    a, b = domains()
    model.fit(a, b, batch_size=2, epochs=2, verbose=0)
    model.save(tmp_path / "cyclegan.keras")
    loaded = keras.saving.load_model(tmp_path / "cyclegan.keras", safe_mode=True)
    assert isinstance(loaded, CycleGAN) and loaded.get_config()["seed"] == 7
    for direction in ("generator_ab", "generator_ba"):
        np.testing.assert_allclose(
            np.asarray(getattr(loaded, direction)(a)),
            np.asarray(getattr(model, direction)(a)),
            atol=1e-6,
        )
    np.testing.assert_array_equal(loaded.pool_b.images.numpy(), model.pool_b.images.numpy())
    assert int(loaded.pool_b.stored.numpy()) == 3 and int(loaded.pool_b.batches.numpy()) == 2
    assert int(loaded.g_optimizer.iterations) == 2
    schedule = loaded.g_optimizer._learning_rate  # the linear decay survives the file
    assert isinstance(schedule, ConstantThenLinearDecay) and schedule.decay_steps == 4
    history = loaded.fit(a, b, batch_size=2, epochs=1, verbose=0).history
    assert np.isfinite(history["g_total"]).all()


def test_trains_under_the_default_strategy_scope():
    strategy = tf.distribute.get_strategy()
    with strategy.scope():
        model = tiny_cyclegan(pool_size=2)
        model.compile()
    a, b = domains()
    history = model.fit(a, b, batch_size=2, epochs=1, verbose=0).history
    assert np.isfinite(history["d_b"]).all()


@pytest.mark.slow
def test_full_size_nine_blocks_trains_a_few_steps():
    model = tiny_cyclegan(size=256, n_blocks=9, filters=64)
    model.compile()
    a, b = domains(n=1, size=256)
    history = model.fit(a, b, batch_size=1, epochs=2, verbose=0).history
    assert all(np.isfinite(v).all() for v in history.values())
    assert model.generator_ab.count_params() > 11_000_000  # 11.4M in the paper's network


def with_critic(**kwargs):
    critic = PatchDiscriminator(
        (SIZE, SIZE), input_channels=0, base_filters=4, n_layers=2, norm="instance", name="critic"
    )
    return tiny_cyclegan(domain_critic=critic, **kwargs)


def test_domain_critic_learns_the_domains_from_real_photos():
    model = with_critic(domain_weight=1.0, pool_size=2)
    model.compile(g_optimizer=pix2pix_adam(1e-3), d_optimizer=pix2pix_adam(1e-3))
    a, b = domains()
    data = tf.data.Dataset.from_tensors((a, b)).repeat()
    history = model.fit(data, steps_per_epoch=8, epochs=3, shuffle=False, verbose=0).history
    assert {"domain_real", "domain_fake"} <= set(history)
    assert all(np.isfinite(v).all() for v in history.values())
    assert history["domain_real"][-1] < 0.5 * history["domain_real"][0]
    critic = model.domain_critic
    assert float(np.mean(critic(a))) < 0 < float(np.mean(critic(b)))


def test_domain_loss_weighs_into_the_generators_loss_only():
    model = with_critic(domain_weight=2.0)
    a, b = domains()
    losses = model._all_losses(a, b, model._translate(a, b, training=False), training=False)
    without = (
        losses["g_gan_ab"]
        + losses["g_gan_ba"]
        + 10.0 * (losses["cycle_a"] + losses["cycle_b"])
        + 5.0 * (losses["idt_a"] + losses["idt_b"])
    )
    np.testing.assert_allclose(
        float(losses["g_total"]), float(without + 2.0 * losses["domain_fake"]), rtol=1e-5
    )
    # Trained with the discriminators (on real photos), not with the generators.
    critic_ids = {id(v) for v in model.domain_critic.trainable_variables}
    assert critic_ids <= {id(v) for v in model._discriminator_variables()}
    assert not critic_ids & {id(v) for v in model._generator_variables()}


def test_domain_critic_survives_the_keras_file_and_is_checked(tmp_path):
    model = with_critic(domain_weight=0.5, pool_size=0)
    model.compile()
    a, b = domains()
    model.fit(a, b, batch_size=2, epochs=1, verbose=0)
    model.save(tmp_path / "critic.keras")
    loaded = keras.saving.load_model(tmp_path / "critic.keras", safe_mode=True)
    assert loaded.domain_weight == 0.5
    np.testing.assert_allclose(
        np.asarray(loaded.domain_critic(a)), np.asarray(model.domain_critic(a)), atol=1e-6
    )
    assert "domain_fake" in loaded.fit(a, b, batch_size=2, epochs=1, verbose=0).history
    with pytest.raises(ValueError, match="needs a domain_critic"):
        tiny_cyclegan(domain_weight=1.0)
