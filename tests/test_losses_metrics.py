import numpy as np
import pytest
from skimage.metrics import structural_similarity

from pix2pix_tf.models import metrics
from pix2pix_tf.models.losses import discriminator_loss, gan_loss, generator_gan_loss, l1_loss
from pix2pix_tf.models.schedules import ConstantThenLinearDecay, pix2pix_adam


def test_vanilla_gan_loss_is_binary_cross_entropy_on_logits():
    logits = np.array([[0.0, 2.0], [-1.0, 3.0]], "float32")
    expected_real = np.mean(np.log1p(np.exp(-logits)))
    expected_fake = np.mean(np.log1p(np.exp(logits)))
    assert float(gan_loss(logits, True)) == pytest.approx(expected_real, rel=1e-5)
    assert float(gan_loss(logits, False)) == pytest.approx(expected_fake, rel=1e-5)


def test_lsgan_loss_is_squared_distance_to_the_label():
    logits = np.array([0.5, 2.0], "float32")
    assert float(gan_loss(logits, True, "lsgan")) == pytest.approx((0.25 + 1.0) / 2)
    assert float(gan_loss(logits, False, "lsgan")) == pytest.approx((0.25 + 4.0) / 2)


def test_discriminator_loss_is_half_the_sum_and_generator_wants_real():
    real, fake = np.full((1, 4), 3.0, "float32"), np.full((1, 4), -3.0, "float32")
    d = float(discriminator_loss(real, fake))
    assert d == pytest.approx(0.5 * (float(gan_loss(real, True)) + float(gan_loss(fake, False))))
    assert d < 0.05  # a confident, right discriminator
    assert float(generator_gan_loss(fake)) > 3.0  # and a generator that is caught


def test_unknown_gan_mode_is_rejected():
    with pytest.raises(ValueError, match="gan_mode"):
        gan_loss(np.zeros(2, "float32"), True, "wgan")


def test_l1_loss():
    assert float(l1_loss(np.zeros((1, 2, 2, 1)), np.full((1, 2, 2, 1), 0.5))) == pytest.approx(0.5)


def test_metrics_on_identical_and_different_images():
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(metrics.ssim(a, a), 1.0, atol=1e-5)
    assert np.all(np.isinf(metrics.psnr(a, a)))
    np.testing.assert_allclose(metrics.l1(a, a), 0.0)
    b = np.clip(a + rng.normal(0, 0.2, a.shape), -1, 1).astype("float32")
    # tf.image.ssim is Wang et al.'s SSIM: the same as scikit-image's Gaussian variant.
    expected = [
        structural_similarity(
            (t + 1) / 2,
            (g + 1) / 2,
            data_range=1.0,
            channel_axis=-1,
            gaussian_weights=True,
            sigma=1.5,
            use_sample_covariance=False,
        )
        for t, g in zip(a, b)
    ]
    np.testing.assert_allclose(metrics.ssim(a, b), expected, atol=2e-3)
    assert np.all(np.asarray(metrics.ssim(a, b)) < 0.99)
    # PSNR with peak 1 on [0, 1] images: 10 log10(1 / mse).
    mse = np.mean(((a + 1) / 2 - (b + 1) / 2) ** 2, axis=(1, 2, 3))
    np.testing.assert_allclose(metrics.psnr(a, b), 10 * np.log10(1 / mse), rtol=1e-4)
    np.testing.assert_allclose(
        metrics.l1(a, b), np.mean(np.abs(a - b), axis=(1, 2, 3)) / 2, rtol=1e-5
    )


def test_constant_then_linear_decay():
    schedule = ConstantThenLinearDecay(2e-4, constant_steps=10, decay_steps=10)
    values = [float(schedule(step)) for step in (0, 10, 15, 20, 30)]
    np.testing.assert_allclose(values, [2e-4, 2e-4, 1e-4, 0.0, 0.0], atol=1e-9)
    clone = ConstantThenLinearDecay.from_config(schedule.get_config())
    assert float(clone(15)) == pytest.approx(1e-4)


def test_pix2pix_adam_has_the_paper_settings():
    optimizer = pix2pix_adam()
    assert optimizer.beta_1 == 0.5
    assert float(optimizer.learning_rate) == pytest.approx(2e-4)
