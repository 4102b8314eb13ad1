"""Downloads: SHA-256 checked before anything is kept; archives extracted without escaping."""

import hashlib
import io
import tarfile
import zipfile

import pytest

from pix2pix_tf.cli import main
from pix2pix_tf.data.download import check_members, download, extract, fetch, sha256_of


def make_tar(path, members):
    """members: name -> bytes, or ("symlink", target) / ("hardlink", target)."""
    with tarfile.open(path, "w:gz") as t:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            if isinstance(content, tuple):
                info.type = tarfile.SYMTYPE if content[0] == "symlink" else tarfile.LNKTYPE
                info.linkname = content[1]
                t.addfile(info)
            else:
                info.size = len(content)
                t.addfile(info, io.BytesIO(content))
    return path


def make_zip(path, members):
    with zipfile.ZipFile(path, "w") as z:
        for name, content in members.items():
            z.writestr(name, content)
    return path


GOOD = {"facades/train/1.jpg": b"A|B", "facades/val/2.jpg": b"B|A"}


@pytest.mark.parametrize("make", [make_tar, make_zip])
def test_good_archives_are_extracted(tmp_path, make):
    archive = make(tmp_path / "good.archive", GOOD)
    out = extract(archive, tmp_path / "out")
    assert (out / "facades" / "train" / "1.jpg").read_bytes() == b"A|B"
    assert (out / "facades" / "val" / "2.jpg").read_bytes() == b"B|A"


@pytest.mark.parametrize(
    "members",
    [
        {"../escape.txt": b"x"},
        {"/tmp/absolute.txt": b"x"},
        {"a/../../escape.txt": b"x"},
        {"link": ("symlink", "../../etc/passwd")},
        {"data/link": ("hardlink", "../outside")},
    ],
)
def test_members_escaping_the_target_are_refused(tmp_path, members):
    archive = make_tar(tmp_path / "evil.tar.gz", members)
    with pytest.raises(ValueError, match="refusing"):
        extract(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists() and not (tmp_path / "escape.txt").exists()


def test_zip_slip_is_refused(tmp_path):
    archive = make_zip(tmp_path / "evil.zip", {"ok.txt": b"1", "../../slip.txt": b"2"})
    with pytest.raises(ValueError, match="outside the target"):
        check_members(archive)
    plain = tmp_path / "plain.txt"
    plain.write_text("not an archive")
    with pytest.raises(ValueError, match="neither a zip nor a tar"):
        extract(plain, tmp_path / "out")


def test_download_verifies_the_checksum_before_keeping_the_file(tmp_path):
    source = tmp_path / "served.bin"
    source.write_bytes(b"dataset bytes")
    good = hashlib.sha256(b"dataset bytes").hexdigest()
    target = tmp_path / "downloads" / "data.bin"
    with pytest.raises(ValueError, match="has SHA-256"):
        download(source.as_uri(), target, "0" * 64)
    assert not target.exists() and not list(target.parent.iterdir())  # no partial file
    assert download(source.as_uri(), target, good) == target
    assert sha256_of(target) == good
    source.unlink()  # a verified file is not fetched again
    assert download(source.as_uri(), target, good) == target
    with pytest.raises(ValueError, match="64 hexadecimal"):
        download(source.as_uri(), target, "abc")


def test_fetch_downloads_verifies_and_extracts(tmp_path):
    archive = make_tar(tmp_path / "facades.tar.gz", GOOD)
    out = fetch(
        archive.as_uri(), tmp_path / "datasets" / "facades", sha256_of(archive), progress=False
    )
    assert (out / "facades" / "train" / "1.jpg").is_file()
    assert not (tmp_path / "datasets" / ".downloads").exists()
    with pytest.raises(ValueError, match="No checksum is published"):
        fetch("facades", tmp_path / "f")
    with pytest.raises(ValueError, match="Unknown dataset"):
        fetch("celebrities", tmp_path / "f")


def test_command_line_download(tmp_path, capsys):
    archive = make_zip(tmp_path / "faces.zip", GOOD)
    out = tmp_path / "faces"
    argv = ["download", archive.as_uri(), "--out", str(out), "--sha256", sha256_of(archive)]
    assert main(argv) == 0
    assert (out / "facades" / "val" / "2.jpg").is_file()
    assert main(["download", archive.as_uri(), "--out", str(out), "--sha256", "1" * 64]) == 2
    assert "has SHA-256" in capsys.readouterr().err


# Links that look harmless as text but leave the folder once the file system follows them.
LINK_CHAINS = {
    "a -> ., b -> a/../x": {"a": ("symlink", "."), "b": ("symlink", "a/../x")},
    "sub/a -> .., sub/a/../../evil": {"sub/a": ("symlink", ".."), "sub/a/../../evil": b"x"},
    "d -> ., file through d/../": {"d": ("symlink", "."), "d/../escape.txt": b"x"},
    "link to an absolute path": {"etc": ("symlink", "/etc")},
    "links in a loop": {"l1": ("symlink", "l2"), "l2": ("symlink", "l1"), "l1/x": b"x"},
    "hard link through a link": {"up": ("symlink", ".."), "h": ("hardlink", "up/outside")},
}


@pytest.mark.parametrize("members", LINK_CHAINS.values(), ids=LINK_CHAINS.keys())
def test_link_chains_leaving_the_target_are_refused(tmp_path, members):
    archive = make_tar(tmp_path / "chain.tar.gz", members)
    with pytest.raises(ValueError, match="refusing"):
        check_members(archive)


def test_link_chains_are_refused_without_pythons_data_filter(tmp_path, monkeypatch):
    """Pythons before 3.11.4 have no tarfile.data_filter: the check alone must hold."""
    monkeypatch.delattr(tarfile, "data_filter", raising=False)
    archive = make_tar(tmp_path / "chain.tar.gz", LINK_CHAINS["sub/a -> .., sub/a/../../evil"])
    with pytest.raises(ValueError, match="points outside the target; refusing"):
        extract(archive, tmp_path / "out" / "data")
    assert not (tmp_path / "out").exists() and not (tmp_path / "evil").exists()


def test_links_that_stay_inside_are_allowed(tmp_path):
    members = {"faces/a.jpg": b"abc", "faces/b.jpg": ("symlink", "a.jpg"), "all": ("symlink", ".")}
    check_members(make_tar(tmp_path / "ok.tar.gz", {**members, "all/faces/c.jpg": b"c"}))


def test_download_never_replaces_a_folder_of_yours(tmp_path, capsys):
    archive = make_tar(tmp_path / "facades.tar.gz", GOOD)
    keep = tmp_path / "datasets" / "keep"
    keep.mkdir(parents=True)
    (keep / "mydata.txt").write_text("precious")
    argv = ["download", archive.as_uri(), "--out", str(keep), "--sha256", sha256_of(archive)]
    assert main(argv) == 2
    assert "is not a folder made by download" in capsys.readouterr().err
    assert (keep / "mydata.txt").read_text() == "precious"
    assert not (tmp_path / "datasets" / ".downloads").exists()  # refused before downloading
    (keep / "mydata.txt").unlink()
    assert main(argv) == 0 and main(argv) == 0  # its own folder is replaced on a rerun
    assert (keep / "facades" / "train" / "1.jpg").is_file()
    assert main([*argv[:3], str(keep / "facades" / "train" / "1.jpg"), *argv[4:]]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_a_refused_archive_is_not_left_in_downloads(tmp_path):
    archive = make_tar(tmp_path / "evil.tar.gz", {"../escape.txt": b"x"})
    with pytest.raises(ValueError, match="refusing"):
        fetch(archive.as_uri(), tmp_path / "datasets" / "evil", sha256_of(archive), progress=False)
    assert not (tmp_path / "datasets" / ".downloads").exists()
    assert not (tmp_path / "datasets" / "evil").exists()
