import keras

from bench import measure
from bench.speed import variant_name


def test_forward_flops_count_a_convolution_by_hand():
    # 2 FLOPs (multiply, add) per kernel tap, input channel and output value.
    model = keras.Sequential(
        [keras.Input((16, 16, 3)), keras.layers.Conv2D(8, 4, strides=2, padding="same")]
    )
    assert measure.forward_flops(model, (1, 16, 16, 3)) >= 2 * 4 * 4 * 3 * 8 * 8 * 8
    assert measure.forward_flops(model, (1, 16, 16, 3)) < 1.1 * 2 * 4 * 4 * 3 * 8 * 8 * 8


def test_a_step_is_three_generators_and_seven_discriminators():
    from pix2pix_tf.models.discriminators import PatchDiscriminator
    from pix2pix_tf.models.generators import UNetGenerator

    g = UNetGenerator(image_size=(32, 32), depth=5, base_filters=4)
    d = PatchDiscriminator(image_size=(32, 32), base_filters=4)
    shape = (2, 32, 32, 3)
    expected = 3 * measure.forward_flops(g, shape) + 7 * measure.forward_flops(d, shape, shape)
    assert measure.step_flops(g, d, batch=2, size=32) == expected


def test_variant_names_show_what_differs_from_the_tutorial():
    assert variant_name("ours", "float32", 1) == "ours float32 b1"
    assert variant_name("ours", "mixed_bfloat16", 4, jit=True, filters=32) == (
        "ours bfloat16 b4 f32 XLA"
    )
    assert variant_name("ours", "float32", 1, filters=64, disc_filters=32) == "ours float32 b1 d32"
    assert variant_name("ours", "float32", 1, filters=48, disc_filters=48) == "ours float32 b1 f48"


def test_equal_quality_compares_means_over_seeds():
    from bench.equal_quality import mean_scores, no_worse

    runs = [
        {"tutorial": {"l1": 0.06, "ssim": 0.70}, "ours": {"l1": 0.05, "ssim": 0.72}},
        {"tutorial": {"l1": 0.07, "ssim": 0.74}, "ours": {"l1": 0.07, "ssim": 0.70}},
    ]
    tutorial, ours = mean_scores(runs, "tutorial"), mean_scores(runs, "ours")
    assert tutorial == {"l1": 0.065, "ssim": 0.72} and ours == {"l1": 0.06, "ssim": 0.71}
    assert not no_worse(ours, tutorial)  # lower L1 but lower SSIM
    assert no_worse(tutorial, tutorial)


def test_alternated_calls_each_variant_in_turn():
    order = []
    variants = {name: (lambda n=name: order.append(n)) for name in "abc"}
    per_round = measure.alternated(variants, rounds=2, calls_per_round=3)
    assert order == list("abc") * 6
    assert {name: len(seconds) for name, seconds in per_round.items()} == dict.fromkeys("abc", 2)
