"""A small classifier of domain A vs B, trained on the same photos: the judge of translations.

Nothing is downloaded: the classifier learns A (label 0) from B (label 1) on
the training split of an unpaired task, and its accuracy on real test photos
says how far to trust it when it calls a translated face "old" (or "smiling").
"""

import keras
import numpy as np
import tensorflow as tf

from pix2pix_tf.data.transforms import resize, to_float


def domain_classifier(image_size=(64, 64), channels=3, base_filters=16, name="domain_classifier"):
    """Four stride-2 conv layers, global average pooling and one logit (> 0: domain B).

    Args:
        image_size: (height, width) of its inputs, in [-1, 1].
        channels: input channels.
        base_filters: filters of the first layer, doubled per layer.
        name: model name.

    Returns:
        A functional `keras.Model` from (batch, H, W, channels) to (batch, 1) logits.
    """
    inputs = keras.Input((*image_size, channels), name="image")
    x = inputs
    for i in range(4):
        x = keras.layers.Conv2D(
            base_filters * 2**i, 3, strides=2, padding="same", name=f"conv{i + 1}"
        )(x)  # (bs, H / 2**(i+1), W / 2**(i+1), f * 2**i)
        x = keras.layers.BatchNormalization(name=f"conv{i + 1}_norm")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"conv{i + 1}_lrelu")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)  # (bs, 8f)
    x = keras.layers.Dropout(0.3, seed=0, name="dropout")(x)
    logits = keras.layers.Dense(1, dtype="float32", name="logit")(x)  # (bs, 1)
    return keras.Model(inputs, logits, name=name)


def _labelled(images, label, image_size):
    return images.map(
        lambda image: (resize(to_float(image), image_size), tf.constant([label], tf.float32)),
        num_parallel_calls=tf.data.AUTOTUNE,
    )


def train_domain_classifier(
    images_a, images_b, image_size=(64, 64), epochs=20, batch_size=32, seed=0, verbose=0
):
    """Trains `domain_classifier` on uint8 photos of A and B, the rarer domain weighted up.

    20 epochs: on UTKFace's age task (young <= 30, old >= 60), real photos of
    the validation split were told apart at 0.889 after 6 epochs (a quarter of
    21-30-year-olds called old), 0.935-0.963 after 20 with the rate decayed (three seeds).

    Args:
        images_a: `tf.data.Dataset` of uint8 (H, W, C) photos of A (finite).
        images_b: the same for B.
        image_size: (height, width) the photos are resized to.
        epochs: passes over both domains.
        batch_size: photos per step.
        seed: seed of the weights, the shuffle and the flips.
        verbose: Keras progress output.

    Returns:
        The trained classifier.
    """
    count_a, count_b = (int(d.reduce(0, lambda n, _: n + 1)) for d in (images_a, images_b))
    if not count_a or not count_b:
        raise ValueError(
            f"The classifier needs photos of both domains, got {count_a} and {count_b}."
        )
    keras.utils.set_random_seed(seed)
    channels = images_a.element_spec.shape[-1] or 3
    photos = _labelled(images_a, 0.0, image_size).concatenate(_labelled(images_b, 1.0, image_size))
    photos = photos.cache().shuffle(count_a + count_b, seed=seed, reshuffle_each_iteration=True)
    photos = photos.map(lambda x, y: (tf.image.random_flip_left_right(x, seed=seed), y))
    total = count_a + count_b
    # Each domain weighs half of the loss, however many photos it has.
    weights = {0: total / (2.0 * count_a), 1: total / (2.0 * count_b)}
    classifier = domain_classifier(image_size, channels)
    classifier.compile(
        # Decayed to 0, so the last epoch's weights do not hang on one noisy step.
        optimizer=keras.optimizers.Adam(
            keras.optimizers.schedules.CosineDecay(1e-3, epochs * -(-total // batch_size))
        ),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy")],
    )
    classifier.fit(
        photos.batch(batch_size).prefetch(tf.data.AUTOTUNE),
        epochs=epochs,
        class_weight=weights,
        shuffle=False,  # the dataset shuffles, seeded
        verbose=verbose,
    )
    return classifier


def shares_in_b(classifier, images, batch_size=64):
    """For float images in [-1, 1] (N, H, W, C): the fraction the classifier puts in B."""
    images = np.asarray(images, np.float32)
    if images.shape[1:3] != tuple(classifier.input_shape[1:3]):
        images = tf.image.resize(images, classifier.input_shape[1:3]).numpy()
    logits = classifier.predict(images, batch_size=batch_size, verbose=0)
    return float(np.mean(logits[:, 0] > 0.0))
