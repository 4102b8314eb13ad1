"""The package's layers import only downward, and what release 0.1.0 saved still loads."""

import ast
import json
import shutil
from pathlib import Path

import numpy as np

PACKAGE = Path(__file__).resolve().parents[1] / "pix2pix_tf"
FIXTURE = Path(__file__).parent / "fixtures" / "release_0_1_0"
# Lower ranks are lower layers; a module may import its own package or a lower rank.
# models and data share a rank: neither needs the other.
RANKS = {
    "atomic": 0,
    "tf_logs": 0,
    "models": 1,
    "data": 1,
    "tasks": 2,
    "evaluation": 3,
    "serving": 4,
    "training": 5,
    "cli": 6,
    "__init__": 7,
}


def layer_of(module_path):
    return module_path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def imported_layers(path):
    """Top-level pix2pix_tf packages that the module at ``path`` imports, with line numbers."""
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "pix2pix_tf":
                names = [f"pix2pix_tf.{alias.name}" for alias in node.names]
            else:
                names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "pix2pix_tf" and len(parts) > 1:
                yield parts[1], node.lineno


def test_every_module_imports_only_its_own_layer_or_lower():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        layer = layer_of(path)
        assert layer in RANKS, f"{path} is in no layer; add its package to RANKS"
        for target, line in imported_layers(path):
            if target != layer and RANKS[target] >= RANKS[layer]:
                upward.append(f"{path.relative_to(PACKAGE)}:{line} imports {target}")
    assert not upward, "imports running up or across the layers:\n" + "\n".join(upward)


def test_no_module_is_over_about_400_lines_without_a_reason():
    long = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        if text.count("\n") > 450 and "Over 400 lines because" not in text[:2000]:
            long.append(f"{path.relative_to(PACKAGE)}: {text.count(chr(10))} lines")
    assert not long, "split these or say why at the top:\n" + "\n".join(long)


def test_a_run_directory_written_by_release_0_1_0_loads_and_predicts_the_same(tmp_path):
    import keras

    from pix2pix_tf.training import load_trained

    run = shutil.copytree(FIXTURE, tmp_path / "run")
    expected = np.load(FIXTURE / "expected.npz")
    config, model = load_trained(run)
    assert config.task == "occlusion" and config.output_mode == "composite"
    assert type(model).__name__ == "Pix2Pix"
    state = json.loads((run / "checkpoints" / "state.json").read_text())
    assert int(model.g_optimizer.iterations.numpy()) == state["step"]
    out = model.generator(expected["pix2pix_input"], training=False)
    np.testing.assert_allclose(out, expected["pix2pix_output"], atol=1e-6)

    dcgan = keras.saving.load_model(run / "dcgan.keras", safe_mode=True)
    noise = expected["dcgan_noise"]
    np.testing.assert_allclose(
        dcgan.generator(noise, training=False), expected["dcgan_output"], atol=1e-6
    )
