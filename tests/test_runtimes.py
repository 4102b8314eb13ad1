"""Export formats and the runtimes that run them: same outputs as the SavedModel, any size."""

import json

import numpy as np
import pytest

from pix2pix_tf.models.generators import UNetGenerator
from pix2pix_tf.serving import runtimes
from pix2pix_tf.serving.export import export_generator, read_metadata
from pix2pix_tf.serving.predict import predict_files

openvino = pytest.importorskip("openvino", reason="pip install 'pix2pix_tf[serving]'")


def _generator(input_channels=3):
    g = UNetGenerator(
        image_size=(32, 32), input_channels=input_channels, depth=4, base_filters=4, seed=3
    )
    for layer in g.layers:  # non-trivial batch-norm statistics
        if hasattr(layer, "moving_mean"):
            layer.moving_mean.assign(np.full(layer.moving_mean.shape, 0.1, "float32"))
    return g


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Every format, and an int8 IR calibrated on random faces-sized images."""
    rng = np.random.default_rng(0)
    calibration = [rng.integers(0, 256, (32, 32, 3), dtype=np.uint8) for _ in range(8)]
    path = tmp_path_factory.mktemp("formats") / "generator"
    formats = ["savedmodel", "openvino", "tflite"]
    if runtimes.installed("onnxruntime"):
        pytest.importorskip("tf2onnx", reason="pip install 'pix2pix_tf[serving]'")
        formats.append("onnx")
    export_generator(_generator(), path, formats=formats, calibration=calibration)
    return path


def test_metadata_lists_the_files_written(exported):
    formats = read_metadata(exported)["formats"]
    assert formats["openvino"] == "openvino/model.xml"
    assert formats["openvino int8"] == "openvino/model_int8.xml"
    for file in formats.values():
        assert (exported / file).is_file()


@pytest.mark.parametrize("runtime", ["openvino", "onnxruntime", "tflite"])
@pytest.mark.parametrize("shape", [(1, 32, 32), (3, 37, 50), (2, 5, 70)])
def test_each_runtime_gives_the_saved_model_output_at_any_size(exported, runtime, shape):
    if runtime not in runtimes.available(exported):
        pytest.skip(f"{runtime} is not installed")
    x = np.random.default_rng(1).uniform(-1, 1, (*shape, 3)).astype("float32")
    expected = runtimes.open_exported(exported, "tensorflow").serve(x)
    runner = runtimes.open_exported(exported, runtime)
    got = runner.serve(x)
    assert got.shape == expected.shape == (*shape, 3)
    np.testing.assert_allclose(got, expected, atol=1e-4)
    x8 = np.random.default_rng(2).integers(0, 256, (*shape, 3), dtype=np.uint8)
    reference = runtimes.open_exported(exported, "tensorflow").serve_uint8(x8)
    got8 = runner.serve_uint8(x8)
    assert got8.dtype == np.uint8
    # The same arithmetic; a float difference of 1e-5 may still round one level apart.
    assert np.abs(got8.astype(int) - reference).max() <= 1


def test_openvino_dynamic_and_static_shapes_agree(exported):
    x = np.random.default_rng(3).uniform(-1, 1, (2, 40, 24, 3)).astype("float32")
    dynamic = runtimes.open_exported(exported, "openvino", shapes="dynamic").serve(x)
    static = runtimes.open_exported(exported, "openvino", shapes="static")
    np.testing.assert_allclose(static.serve(x), dynamic, atol=1e-5)
    for height in range(8, 8 + 8 * (runtimes.STATIC_SHAPES_KEPT + 2), 8):  # a bounded cache
        static.serve(x[:1, :height])
    assert len(static.compiled) == runtimes.STATIC_SHAPES_KEPT


def test_a_static_shape_ir_refuses_other_shapes(tmp_path):
    path = export_generator(
        _generator(), tmp_path / "g", formats=["openvino"], static_shape=(1, 32, 48)
    )
    runner = runtimes.open_exported(path, "openvino")
    assert runner.serve(np.zeros((1, 32, 48, 3), "float32")).shape == (1, 32, 48, 3)
    with pytest.raises(Exception, match="(?i)shape|dimension"):
        runner.serve(np.zeros((1, 32, 32, 3), "float32"))


def test_int8_runs_close_to_fp32(exported):
    x = np.random.default_rng(4).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    fp32 = runtimes.open_exported(exported, "openvino").serve(x)
    runner = runtimes.open_exported(exported, precision="int8")
    assert runner.name == "openvino int8"
    int8 = runner.serve(x)
    assert int8.shape == fp32.shape
    assert 0 < np.abs(int8 - fp32).mean() < 0.1  # quantized: close, not equal


def test_precision_quality_reports_both_and_the_change(exported):
    rng = np.random.default_rng(5)
    pairs = [(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8),) * 2 for _ in range(3)]
    quality = runtimes.precision_quality(exported, pairs, batch=2)
    assert quality["images"] == 3
    assert quality["psnr_change"] == pytest.approx(
        quality["int8"]["psnr"] - quality["fp32"]["psnr"]
    )
    assert np.isfinite(quality["fp32"]["ssim"]) and quality["int8"]["ssim"] <= 1


def test_auto_picks_the_first_installed_runtime_of_the_preference(exported, tmp_path):
    assert runtimes.open_exported(exported).runtime == runtimes.available(exported)[0]
    plain = export_generator(_generator(), tmp_path / "plain")
    assert runtimes.open_exported(plain).runtime == "tensorflow"


def test_missing_formats_and_bad_names_are_clear_errors(tmp_path):
    plain = export_generator(_generator(), tmp_path / "plain")
    with pytest.raises(FileNotFoundError, match="--format openvino --int8"):
        runtimes.open_exported(plain, "openvino", "int8")
    with pytest.raises(FileNotFoundError, match="int8"):
        runtimes.open_exported(plain, precision="int8")
    with pytest.raises(FileNotFoundError, match="--format onnx"):
        runtimes.open_exported(plain, "onnxruntime")
    with pytest.raises(ValueError, match="runtime must be one of"):
        runtimes.open_exported(plain, "torch")
    with pytest.raises(ValueError, match="Unknown export formats"):
        export_generator(_generator(), tmp_path / "x", formats=["savedmodel", "caffe"])
    with pytest.raises(ValueError, match="int8 runs on OpenVINO only"):
        runtimes.open_exported(plain, "tensorflow", "int8")


def test_predict_files_uses_the_chosen_runtime(exported, tmp_path):
    import cv2

    photo = tmp_path / "photo.png"
    cv2.imwrite(str(photo), np.full((45, 70, 3), 128, np.uint8))
    outputs = {}
    for runtime in ("tensorflow", "openvino"):
        [written] = predict_files(exported, [photo], tmp_path / runtime, runtime=runtime)
        outputs[runtime] = cv2.imread(str(written)).astype(int)
    assert outputs["openvino"].shape == (45, 70, 3)
    assert np.abs(outputs["openvino"] - outputs["tensorflow"]).max() <= 1


def test_mask_input_is_recorded_and_checked(tmp_path):
    path = export_generator(_generator(input_channels=4), tmp_path / "m", mask_input=True)
    assert json.loads((path / "pix2pix_tf.json").read_text())["mask_input"] is True
    assert runtimes.open_exported(path).mask_input
    with pytest.raises(ValueError, match="mask channel"):
        export_generator(_generator(), tmp_path / "bad", mask_input=True)


def _reads_int8(node):
    """Whether a convolution input comes from a FakeQuantize, through ops that move values."""
    kind = node.get_type_name()
    if kind == "FakeQuantize":
        return True
    if kind in ("Pad", "Gather", "Transpose"):
        return _reads_int8(node.input(0).get_source_output().get_node())
    if kind == "Concat":  # the padding's zeros are constants
        sources = [i.get_source_output().get_node() for i in node.inputs()]
        return all(_reads_int8(n) for n in sources if n.get_type_name() != "Constant")
    return False


def test_the_int8_ir_quantizes_the_decoder_too_and_leaves_no_trace(exported):
    # NNCF keeps transposed convolutions in float; the int8 IR is converted from
    # the generator with them written as convolutions (serving.subpixel).
    core = openvino.Core()
    fp32 = core.read_model(str(exported / "openvino" / "model.xml"))
    int8 = core.read_model(str(exported / "openvino" / "model_int8.xml"))
    fp32_ops = [op.get_type_name() for op in fp32.get_ops()]
    int8_ops = [op.get_type_name() for op in int8.get_ops()]
    assert fp32_ops.count("ConvolutionBackpropData") == 4  # depth 4: 3 blocks + the output
    assert "ConvolutionBackpropData" not in int8_ops
    convolutions = [op for op in int8.get_ops() if op.get_type_name() == "Convolution"]
    assert len(convolutions) == 8  # the encoder's 4 and the decoder's 4
    for convolution in convolutions:  # int8 activations, int8 weights scaled back
        assert _reads_int8(convolution.input(0).get_source_output().get_node())
        scale = convolution.input(1).get_source_output().get_node()
        weights = scale.input(0).get_source_output().get_node().input(0).get_source_output()
        assert scale.get_type_name() == "Multiply"
        assert weights.get_element_type().get_type_name() == "i8"
    assert not (exported / "int8_source").exists()


def test_the_rewritten_decoder_gives_the_saved_model_output_in_openvino(tmp_path):
    from pix2pix_tf.serving import openvino_ir
    from pix2pix_tf.serving.export import write_int8_source

    g = _generator()
    plain = export_generator(g, tmp_path / "plain")
    write_int8_source(g, "standard", 3, tmp_path / "source")
    ir = openvino_ir.convert_saved_model(tmp_path / "source", tmp_path / "ir")
    compiled = openvino.Core().compile_model(
        str(ir), "CPU", {"INFERENCE_PRECISION_HINT": "f32"}
    )  # CPUs with bfloat16 would otherwise run it in bfloat16
    x = np.random.default_rng(6).uniform(-1, 1, (2, 37, 21, 3)).astype("float32")
    expected = runtimes.open_exported(plain, "tensorflow").serve(x)
    np.testing.assert_allclose(compiled([x])[0], expected, atol=1e-5)


def test_int8_keeps_the_output_arithmetic_in_float(tmp_path):
    # Quantized inputs of the composite's Multiply/Add/Subtract cost 0.9 dB on a
    # trained model; a "direct" generator has no such arithmetic to check.
    g = UNetGenerator(image_size=(32, 32), depth=4, base_filters=4, output_mode="composite")
    rng = np.random.default_rng(7)
    calibration = [rng.integers(0, 256, (32, 32, 3), dtype=np.uint8) for _ in range(4)]
    path = export_generator(g, tmp_path / "g", formats=["openvino"], calibration=calibration)
    int8 = openvino.Core().read_model(str(path / "openvino" / "model_int8.xml"))
    fp32_ops = {op.get_type_name() for op in int8.get_ops()}
    assert {"Multiply", "Add", "Subtract"} <= fp32_ops  # the composite is there
    quantized_into = {
        target.get_node().get_type_name()
        for op in int8.get_ops()
        if op.get_type_name() == "FakeQuantize"
        for output in op.outputs()
        for target in output.get_target_inputs()
    }
    assert "Convolution" in quantized_into
    assert not quantized_into & {"Multiply", "Add", "Subtract"}


def test_nothing_to_rewrite_quantizes_the_exported_ir_itself(tmp_path):
    g = UNetGenerator(image_size=(32, 32), depth=3, base_filters=4, upsampling="resize")
    calibration = [np.zeros((32, 32, 3), np.uint8)] * 2
    path = export_generator(g, tmp_path / "g", formats=["openvino"], calibration=calibration)
    assert (path / "openvino" / "model_int8.xml").is_file()
