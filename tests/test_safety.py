"""Safe by construction: no code runs from user files, archives stay in their folder.

`tests/test_download.py` covers checksums and the common archive escapes; this
file adds the rarer archive members, Keras safe mode on checkpoints, and a scan
of the package source for ways to run code from data (pickle, eval, unsafe loads).
"""

import ast
import io
import json
import stat
import tarfile
import zipfile
from pathlib import Path

import keras
import pytest

import pix2pix_tf
from pix2pix_tf.data.download import check_members, extract
from pix2pix_tf.training import TrainConfig, load_trained

PACKAGE = Path(pix2pix_tf.__file__).parent
# Modules whose functions run code or objects from the data they read.
UNSAFE_MODULES = {"pickle", "cPickle", "dill", "marshal", "shelve", "joblib", "cloudpickle"}
UNSAFE_CALLS = {"eval", "exec", "compile", "__import__"}


def unsafe_uses(source, name="<source>"):
    """The lines of ``source`` that could run code from a file: a list of messages."""
    found = []
    for node in ast.walk(ast.parse(source)):
        where = f"{name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            modules.append(getattr(node, "module", None) or "")
            for module in modules:
                if module.split(".")[0] in UNSAFE_MODULES:
                    found.append(f"{where}: imports {module}")
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        keywords = {k.arg: k.value for k in node.keywords}
        if isinstance(func, ast.Name) and called in UNSAFE_CALLS:
            found.append(f"{where}: calls {called}()")
        if called in ("load", "unsafe_load") and getattr(func.value, "id", "") == "yaml":
            found.append(f"{where}: yaml.{called}")
        if called == "load_model":
            safe = keywords.get("safe_mode")
            if not (isinstance(safe, ast.Constant) and safe.value is True):
                found.append(f"{where}: load_model without safe_mode=True")
        allow = keywords.get("allow_pickle")
        if allow is not None and not (isinstance(allow, ast.Constant) and allow.value is False):
            found.append(f"{where}: allow_pickle")
        if called == "extractall" and not name.endswith("download.py"):
            found.append(f"{where}: extractall outside download.py (which checks members)")
    return found


def test_the_checker_finds_each_unsafe_use():
    snippet = """
import pickle
from joblib import load
eval(text)
keras.saving.load_model(path)
keras.saving.load_model(path, safe_mode=False)
np.load(path, allow_pickle=True)
yaml.load(stream)
tarfile.open(path).extractall(out)
keras.saving.load_model(path, safe_mode=True)
np.load(path)
"""
    found = unsafe_uses(snippet, "snippet.py")
    assert len(found) == 8, found
    assert all(f"snippet.py:{line}" in " ".join(found) for line in range(2, 10))


def test_the_package_never_runs_code_from_data():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        found += unsafe_uses(path.read_text(), str(path.relative_to(PACKAGE)))
    assert not found, "\n".join(found)


def test_a_checkpoint_with_python_code_in_it_is_refused(tmp_path):
    """A .keras file can carry a Lambda layer's bytecode; safe mode refuses to load it."""
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2, name="code")(inputs))
    config = TrainConfig(image_size=(32, 32))
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "config.json").write_text(json.dumps(config.to_json()))
    model.save(tmp_path / "checkpoints" / "epoch_0001.keras")
    (tmp_path / "checkpoints" / "state.json").write_text(
        json.dumps({"epoch": 1, "step": 1, "checkpoint": "epoch_0001.keras"})
    )
    with pytest.raises(ValueError, match="safe_mode"):
        load_trained(tmp_path)


def tar_with(path, info, data=b""):
    with tarfile.open(path, "w") as t:
        info.size = len(data)
        t.addfile(info, io.BytesIO(data) if data else None)
    return path


@pytest.mark.parametrize("kind", [tarfile.FIFOTYPE, tarfile.CHRTYPE, tarfile.BLKTYPE])
def test_device_files_and_fifos_in_a_tar_are_refused(tmp_path, kind):
    info = tarfile.TarInfo("data/device")
    info.type = kind
    archive = tar_with(tmp_path / "dev.tar", info)
    with pytest.raises(ValueError, match="device or FIFO"):
        extract(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_symbolic_link_in_a_zip_is_refused(tmp_path):
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as z:
        link = zipfile.ZipInfo("faces/link")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "/etc/passwd")
    with pytest.raises(ValueError, match="symbolic link"):
        extract(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["/abs/path.jpg", "C:/windows.jpg", "a/../../up.jpg"])
def test_zip_members_with_absolute_or_escaping_names_are_refused(tmp_path, name):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("faces/ok.jpg", b"1")
        z.writestr(name, b"2")
    with pytest.raises(ValueError, match="refusing"):
        check_members(archive)


def test_a_tar_symlink_inside_the_folder_is_allowed(tmp_path):
    """The check is exact: a link that stays inside is fine (datasets use them)."""
    with tarfile.open(tmp_path / "ok.tar", "w") as t:
        data = tarfile.TarInfo("faces/a.jpg")
        data.size = 3
        t.addfile(data, io.BytesIO(b"abc"))
        link = tarfile.TarInfo("faces/b.jpg")
        link.type, link.linkname = tarfile.SYMTYPE, "a.jpg"
        t.addfile(link)
    out = extract(tmp_path / "ok.tar", tmp_path / "out")
    assert (out / "faces" / "b.jpg").read_bytes() == b"abc"
