"""Downloading datasets: checksum-verified files and archives extracted safely.

`download` streams a URL to a file, checks its SHA-256 and only then moves it
into place. `extract` unpacks a zip or tar archive after checking every member:
nothing may land outside the target folder (absolute paths, ``..``, links
pointing out, device files are refused), and the folder appears whole or not at all.

The datasets whose files have a public URL are in `DOWNLOADS`; the cards in
``datasets/`` say how to obtain the others.

Example:
    >>> archive = download(DOWNLOADS["facades"].url, "downloads/facades.tar.gz", sha256=...)
    >>> extract(archive, "datasets/facades")
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import stat
import tarfile
import tempfile
import urllib.request
import zipfile
from pathlib import Path

from pix2pix_tf import atomic

_CHUNK = 1 << 20


@dataclasses.dataclass(frozen=True)
class Download:
    """A dataset file with a public URL.

    Attributes:
        url: where it is.
        sha256: its expected SHA-256, or None where no checksum is published
            (then the caller must pass one; see `fetch`).
        card: the dataset card in ``datasets/``.
    """

    url: str
    sha256: str | None
    card: str


# The pix2pix side-by-side datasets (Isola et al. 2017). Berkeley publishes no
# checksums: pass the SHA-256 you trust with --sha256 (see datasets/pix2pix.md).
DOWNLOADS = {
    name: Download(
        f"http://efrosgans.eecs.berkeley.edu/pix2pix/datasets/{name}.tar.gz", None, "pix2pix.md"
    )
    for name in ("facades", "cityscapes", "maps", "edges2shoes", "edges2handbags", "night2day")
}


def sha256_of(path):
    """SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_sha256(sha256):
    sha256 = sha256.lower().strip()
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"sha256 must be 64 hexadecimal digits, got {sha256!r}.")
    return sha256


def download(url, path, sha256, timeout=60, progress=False):
    """Downloads ``url`` to ``path`` if the bytes have the expected SHA-256.

    A file already at ``path`` with the right checksum is kept as it is. The
    download goes to a temporary file next to ``path``, which replaces
    ``path`` only after the checksum matched.

    Args:
        url: http(s), ftp or file URL.
        path: where the file goes.
        sha256: expected SHA-256 (64 hex digits).
        timeout: seconds to wait for the server.
        progress: show a progress bar.

    Returns:
        ``path`` as a `Path`.

    Raises:
        ValueError: the downloaded bytes have another checksum (the file is removed).
        OSError: the URL could not be read.
    """
    sha256 = _check_sha256(sha256)
    path = Path(path)
    if path.is_file() and sha256_of(path) == sha256:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as f, urllib.request.urlopen(url, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            from tqdm import tqdm

            with tqdm(total=total, unit="B", unit_scale=True, disable=not progress) as bar:
                for block in iter(lambda: response.read(_CHUNK), b""):
                    f.write(block)
                    digest.update(block)
                    bar.update(len(block))
            f.flush()
            os.fsync(f.fileno())
        if digest.hexdigest() != sha256:
            raise ValueError(
                f"{url} has SHA-256 {digest.hexdigest()}, expected {sha256}: the download is "
                "corrupt or the file changed. Nothing was kept; check the source and the checksum."
            )
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


def _safe_name(name, target):
    """The path ``name`` lands on inside ``target``, or a ValueError if it escapes."""
    if not name or os.path.isabs(name) or name.startswith(("/", "\\")) or ":" in name.split("/")[0]:
        raise ValueError(f"Archive member {name!r} has an absolute path; refusing to extract.")
    resolved = os.path.realpath(os.path.join(target, name))
    if os.path.commonpath([resolved, os.path.realpath(target)]) != os.path.realpath(target):
        raise ValueError(f"Archive member {name!r} points outside the target; refusing to extract.")
    return resolved


def check_members(archive):
    """Raises ValueError if any member of a zip or tar archive would land outside its folder.

    Refused: absolute paths, ``..`` escapes, symbolic or hard links pointing
    outside, device files and FIFOs.
    """
    target = os.path.realpath(tempfile.gettempdir())  # any folder: only the relative paths matter
    probe = os.path.join(target, "archive-root")
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            for info in z.infolist():
                _safe_name(info.filename, probe)
                if stat.S_ISLNK(info.external_attr >> 16):
                    raise ValueError(
                        f"Archive member {info.filename!r} is a symbolic link; refusing."
                    )
        return
    with tarfile.open(archive) as t:
        for member in t.getmembers():
            _safe_name(member.name, probe)
            if member.issym() or member.islnk():
                base = os.path.dirname(member.name) if member.issym() else ""
                _safe_name(os.path.join(base, member.linkname), probe)
            elif not (member.isfile() or member.isdir()):
                raise ValueError(f"Archive member {member.name!r} is a device or FIFO; refusing.")


def extract(archive, target):
    """Extracts a zip or tar(.gz, .bz2, .xz) archive into ``target``, safely and whole.

    Every member is checked first (`check_members`); the archive is unpacked in
    a temporary folder that replaces ``target`` only when all went well.

    Args:
        archive: path of the archive.
        target: folder to create or replace.

    Returns:
        ``target`` as a `Path`.
    """
    archive = os.fspath(archive)
    if not (zipfile.is_zipfile(archive) or tarfile.is_tarfile(archive)):
        raise ValueError(f"{archive} is neither a zip nor a tar archive.")
    check_members(archive)
    with atomic.directory(target) as tmp:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as z:
                z.extractall(tmp)
        else:
            with tarfile.open(archive) as t:
                # The "data" filter repeats our checks inside tarfile (Python 3.12+, 3.11.4+).
                kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
                t.extractall(tmp, **kwargs)
    return Path(target)


def fetch(name_or_url, out, sha256=None, keep_archive=False, progress=True):
    """Downloads a dataset (a name in `DOWNLOADS` or a URL), verifies and extracts it.

    Args:
        name_or_url: e.g. "facades", or the URL of a zip or tar archive.
        out: folder the archive is extracted to.
        sha256: the expected SHA-256; needed where `DOWNLOADS` has none.
        keep_archive: keep the downloaded archive next to ``out``.
        progress: show a progress bar.

    Returns:
        ``out`` as a `Path`.
    """
    known = DOWNLOADS.get(name_or_url)
    url = known.url if known else name_or_url
    if known is None and "://" not in url:
        raise ValueError(
            f"Unknown dataset {name_or_url!r}; known: {', '.join(DOWNLOADS)}, or give a URL."
        )
    sha256 = sha256 or (known.sha256 if known else None)
    if sha256 is None:
        raise ValueError(
            f"No checksum is published for {url}; pass the SHA-256 you trust with --sha256 "
            "(datasets/ cards say where to find one)."
        )
    out = Path(out)
    archive = out.parent / ".downloads" / os.path.basename(url.split("?")[0])
    download(url, archive, sha256, progress=progress)
    extract(archive, out)
    if not keep_archive:
        archive.unlink()
        with contextlib.suppress(OSError):
            archive.parent.rmdir()
    return out
