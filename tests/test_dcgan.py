import keras
import numpy as np
import pytest
import tensorflow as tf

from pix2pix_tf.models.dcgan import DCGAN, DCGANDiscriminator, DCGANGenerator
from pix2pix_tf.models.schedules import pix2pix_adam

SIZE = 32


def tiny_gan(**kwargs):
    g = DCGANGenerator(image_size=(SIZE, SIZE), latent_dim=16, depth=3, base_filters=8)
    d = DCGANDiscriminator(image_size=(SIZE, SIZE), depth=3, base_filters=8)
    return DCGAN(g, d, seed=3, **kwargs)


def orange_squares(count=8):
    # Every real image is the same flat colour: a target the generator can reach quickly.
    colour = np.array([0.8, 0.1, -0.6], "float32")
    return np.broadcast_to(colour, (count, SIZE, SIZE, 3)).copy(), colour


def test_generator_and_discriminator_shapes_rectangular():
    g = DCGANGenerator(image_size=(32, 48), latent_dim=10, channels=1, depth=4, base_filters=4)
    d = DCGANDiscriminator(image_size=(32, 48), channels=1, depth=4, base_filters=4)
    images = g(np.zeros((2, 10), "float32"))
    assert images.shape == (2, 32, 48, 1)
    assert np.all(np.abs(np.asarray(images)) <= 1.0)
    assert d(images).shape == (2, 1)


def test_sizes_that_do_not_fit_the_depth_are_refused():
    with pytest.raises(ValueError, match="multiples of 2\\*\\*4"):
        DCGANGenerator(image_size=(40, 40), depth=4)
    with pytest.raises(ValueError, match="fixed image_size"):
        DCGANDiscriminator(image_size=None)


def test_fit_gives_finite_losses_and_moves_samples_towards_the_data():
    gan = tiny_gan()
    gan.compile(g_optimizer=pix2pix_adam(1e-3), d_optimizer=pix2pix_adam(1e-3))
    images, colour = orange_squares()
    before = np.abs(gan.sample(8, seed=1).mean(axis=(0, 1, 2)) - colour).mean()
    data = tf.data.Dataset.from_tensor_slices(images).batch(4).repeat()
    history = gan.fit(data, steps_per_epoch=20, epochs=4, shuffle=False, verbose=0).history
    assert set(history) == {"g", "d"}
    assert all(np.all(np.isfinite(v)) for v in history.values())
    assert int(gan.g_optimizer.iterations) == 80 and int(gan.d_optimizer.iterations) == 80
    after = np.abs(gan.sample(8, seed=1).mean(axis=(0, 1, 2)) - colour).mean()
    assert after < 0.6 * before


def test_fit_accepts_image_label_tuples_and_evaluate_reports_losses():
    gan = tiny_gan(gan_mode="lsgan")
    gan.compile()
    images, _ = orange_squares(4)
    gan.fit(images, np.zeros(4), batch_size=2, epochs=1, verbose=0)
    results = gan.evaluate(images, batch_size=2, verbose=0, return_dict=True)
    assert set(results) == {"g", "d"} and all(np.isfinite(list(results.values())))


def test_sample_is_deterministic_per_seed():
    gan = tiny_gan()
    np.testing.assert_array_equal(gan.sample(3, seed=5), gan.sample(3, seed=5))
    assert not np.allclose(gan.sample(3, seed=5), gan.sample(3, seed=6))
    assert gan.sample(3).shape == (3, SIZE, SIZE, 3)


def test_config_round_trip_and_keras_saving(tmp_path):
    gan = tiny_gan(gan_mode="lsgan")
    gan.compile()
    images, _ = orange_squares(4)
    gan.fit(images, batch_size=2, epochs=1, verbose=0)

    clone = DCGAN.from_config(gan.get_config())
    assert clone.gan_mode == "lsgan" and clone.latent_dim == 16 and clone.seed == 3
    assert clone.generator.get_config() == gan.generator.get_config()
    assert clone.discriminator.get_config() == gan.discriminator.get_config()

    path = tmp_path / "dcgan.keras"
    gan.save(path)
    loaded = keras.saving.load_model(path)
    noise = np.random.default_rng(0).normal(size=(2, 16)).astype("float32")
    np.testing.assert_allclose(np.asarray(loaded(noise)), np.asarray(gan(noise)), atol=1e-6)
    assert int(loaded.g_optimizer.iterations) == int(gan.g_optimizer.iterations) == 2
    loaded.fit(images, batch_size=2, epochs=1, verbose=0)  # resumes training
    assert int(loaded.g_optimizer.iterations) == 4


def test_compile_refuses_a_single_optimizer():
    with pytest.raises(ValueError, match="g_optimizer and d_optimizer"):
        tiny_gan().compile(optimizer="adam")


def test_sample_gif_records_a_frame_before_training_and_per_epoch(tmp_path):
    from PIL import Image

    from pix2pix_tf.training.callbacks import SampleGif

    gan = tiny_gan()
    gan.compile()
    images, _ = orange_squares(4)
    noise = np.random.default_rng(0).normal(size=(6, 16)).astype("float32")
    gif = SampleGif(noise, tmp_path / "progress.gif", title="DCGAN samples", columns=3)
    gan.fit(images, batch_size=2, epochs=3, callbacks=[gif], verbose=0)
    assert len(gif.frames) == 4
    assert not np.array_equal(gif.frames[0], gif.frames[-1])  # the samples changed
    with Image.open(tmp_path / "progress.gif") as written:
        assert written.n_frames == 4
