"""What a CycleGAN run does differently: networks, unpaired batches, scores and export.

`pix2pix_tf.training.run.train` calls these when ``config.model`` is "cyclegan";
the run directory, resume, callbacks and time budget are those of pix2pix.
"""

import dataclasses

import keras

from pix2pix_tf.data.transforms import resize, to_float
from pix2pix_tf.data.unpaired import unpaired_batches
from pix2pix_tf.evaluation import plots
from pix2pix_tf.evaluation.domain_classifier import shares_in_b, train_domain_classifier
from pix2pix_tf.evaluation.unpaired import cyclegan_grid, translation_scores
from pix2pix_tf.models.cyclegan import CycleGAN
from pix2pix_tf.models.discriminators import PatchDiscriminator
from pix2pix_tf.models.find_fill import FindAndFillGenerator
from pix2pix_tf.models.generators import UNetGenerator
from pix2pix_tf.models.resnet_generator import RESNET_BLOCKS, ResnetGenerator
from pix2pix_tf.serving.cyclegan_export import export_cyclegan
from pix2pix_tf.tasks.unpaired import get_unpaired_task, unpaired_images


def build_generator(config, input_channels, output_channels, name="generator"):
    """The generator ``config.generator`` names: "unet", "resnet6" or "resnet9"
    (with ``output_mode="find_fill"``, a `FindAndFillGenerator` of two U-Nets)."""
    if config.generator in RESNET_BLOCKS:
        return ResnetGenerator(
            image_size=config.image_size,
            input_channels=input_channels,
            output_channels=output_channels,
            n_blocks=RESNET_BLOCKS[config.generator],
            base_filters=config.base_filters,
            norm=config.norm,
            dropout=config.dropout,
            seed=config.seed,
            upsampling=config.upsampling,
            name=name,
        )
    unet = dict(
        image_size=config.image_size,
        depth=config.unet_depth,
        base_filters=config.base_filters,
        norm=config.norm,
        seed=config.seed,
        upsampling=config.upsampling,
        hole_fill=config.hole_fill,
        name=name,
    )
    if config.finds_mask:
        return FindAndFillGenerator(
            channels=output_channels,
            dropout=config.dropout,
            learn_found=config.learn_found,
            **unet,
        )
    return UNetGenerator(
        input_channels=input_channels,
        output_channels=output_channels,
        dropout=config.dropout,
        output_mode=config.output_mode,
        hard_mask=config.hard_mask,
        **unet,
    )


def build_cyclegan(config):
    """The `CycleGAN` that ``config`` describes (not compiled)."""

    def discriminator(name):
        return PatchDiscriminator(
            image_size=config.image_size,
            input_channels=0,
            base_filters=config.disc_filters or config.base_filters,
            n_layers=config.disc_layers,
            norm=config.norm,
            name=name,
        )

    return CycleGAN(
        build_generator(config, 3, 3, "generator_ab"),
        build_generator(config, 3, 3, "generator_ba"),
        discriminator("discriminator_a"),
        discriminator("discriminator_b"),
        gan_mode=config.gan_mode,
        cycle_weight=config.cycle_weight,
        identity_weight=config.identity_weight,
        pool_size=config.pool_size,
        seed=config.seed,
        domain_critic=discriminator("domain_critic") if config.domain_weight else None,
        domain_weight=config.domain_weight,
    )


def _images(config, split):
    options = {"num_faces": config.num_faces}
    return unpaired_images(
        config.task, config.data, split, config.image_size, config.seed, **options
    )


def unpaired_dataset(config, split, training=False, cache="auto"):
    """Float (a, b) batches of one split, and the size of its larger domain.

    ``cache`` as for `unpaired_batches`: False where only the start will be read.
    """
    images_a, images_b = _images(config, split)
    count = max(int(images_a.cardinality()), int(images_b.cardinality()))
    dataset = unpaired_batches(
        images_a,
        images_b,
        image_size=config.image_size,
        batch_size=config.batch_size,
        training=training,
        jitter=config.jitter and training,
        flip=get_unpaired_task(config.task).flip,
        seed=config.seed,
        cache=cache,
    )
    return dataset, count


def _as_float(images, image_size):
    return images.map(lambda image: resize(to_float(image), image_size))


def evaluate_cyclegan(model, config, data=None, split="test", grid_path=None, classifier=True):
    """Losses, cycle PSNR and input/output SSIM on a split, and the domain classifier's verdict.

    Args:
        model: a trained `CycleGAN`.
        config: its `TrainConfig`.
        data: another data source than the one it trained on, or None.
        split: "train", "val" or "test".
        grid_path: also write a grid of examples of both directions to this PNG.
        classifier: train a `domain_classifier` on the training split's photos
            and report its accuracy on the split's real photos and the share of
            translations it puts in the target domain.

    Returns:
        Dict of the split's sizes, ``directions`` (one row of scores per
        direction, see `translation_scores`) and the mean test-step metrics.
    """
    if data is not None:
        config = dataclasses.replace(config, data=str(data))
    task = get_unpaired_task(config.task)
    dataset, _ = unpaired_dataset(config, split)
    results = model.evaluate(dataset, verbose=0, return_dict=True)
    images_a, images_b = (_as_float(d, config.image_size) for d in _images(config, split))
    summary = {
        "split": split,
        "data": config.data,
        "domains": list(task.domains),
        "images_a": int(images_a.cardinality()),
        "images_b": int(images_b.cardinality()),
    }
    judge = None
    if classifier:
        judge = train_domain_classifier(
            *_images(config, "train"), config.image_size, seed=config.seed
        )
        real_a = shares_in_b(judge, list(images_a.as_numpy_iterator()))
        real_b = shares_in_b(judge, list(images_b.as_numpy_iterator()))
        summary["classifier_accuracy_a"] = 1.0 - real_a
        summary["classifier_accuracy_b"] = real_b
        summary["classifier_accuracy"] = (1.0 - real_a + real_b) / 2.0
    pairs = None
    if task.pairs is not None:
        raw = task.pairs(split, config.image_size, config.seed, num_faces=config.num_faces)
        pairs = raw.map(lambda a, b: (to_float(a), to_float(b)))
    summary["directions"] = translation_scores(
        model, images_a, images_b, judge, task.domains, pairs, batch_size=config.batch_size * 8
    )
    summary.update({name: float(value) for name, value in results.items()})
    if grid_path is not None:
        a = next(iter(images_a.batch(4))).numpy()
        b = next(iter(images_b.batch(4))).numpy()
        fig = cyclegan_grid(model, a, b, task.domains, title=f"{config.task}: {split} split")
        plots.save_figure(fig, grid_path)
    keras.utils.set_random_seed(config.seed)  # the classifier's training drew from the seeds
    return summary


def export_run(model, config, path):
    """Writes both directions of a trained CycleGAN run as one SavedModel."""
    domains = get_unpaired_task(config.task).domains
    return export_cyclegan(model, path, domains=domains, inference_mode=config.inference_mode)
