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
# Written in each folder `extract` makes: such a folder may be replaced by a new extraction.
MARKER = ".pix2pix_tf_download.json"


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


# More links than this on one path is a loop (Linux gives up at 40 too).
_MAX_LINK_HOPS = 40


def _lands_at(name, links, what, follow_last=True):
    """Where ``name`` lands below the target, as a tuple of folder names, or a ValueError.

    Resolved one component at a time, following the symbolic links the archive
    made before (``links``: landing place -> link target) as the file system
    will, so that ``a -> .`` then ``a/../x`` is seen to leave the target even
    though ``a/../x`` looks like ``x`` as text.

    Args:
        name: a member's name, or a link's target joined to its folder.
        links: the archive's symbolic links so far.
        what: the member, for messages.
        follow_last: also follow a link at the last component (a file written
            there goes where the link points).
    """
    if name.startswith(("/", "\\")) or ":" in name.split("/")[0]:
        raise ValueError(f"Archive member {what!r} has an absolute path; refusing to extract.")
    landed, pending, hops = (), [p for p in name.split("/") if p not in ("", ".")], 0
    while pending:
        part = pending.pop(0)
        if part == "..":
            if not landed:
                raise ValueError(
                    f"Archive member {what!r} points outside the target; refusing to extract."
                )
            landed = landed[:-1]
            continue
        link = links.get(landed + (part,))
        if link is not None and (pending or follow_last):
            hops += 1
            if hops > _MAX_LINK_HOPS or link.startswith("/"):
                raise ValueError(
                    f"Archive member {what!r} goes through links that loop or leave the "
                    "target; refusing to extract."
                )
            pending = [p for p in link.split("/") if p not in ("", ".")] + pending
            continue  # a link's target is relative to the folder that holds the link
        landed += (part,)
    return landed


def check_members(archive):
    """Raises ValueError if any member of a zip or tar archive would land outside its folder.

    Refused: absolute paths, ``..`` escapes, symbolic or hard links pointing
    outside (followed through the archive's other links, as extraction would),
    device files and FIFOs. Done by hand, not with ``tarfile``'s ``"data"``
    filter, which some supported Pythons lack.
    """
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            for info in z.infolist():
                _lands_at(info.filename, {}, info.filename)
                if stat.S_ISLNK(info.external_attr >> 16):
                    raise ValueError(
                        f"Archive member {info.filename!r} is a symbolic link; refusing."
                    )
        return
    links = {}
    with tarfile.open(archive) as t:
        for member in t.getmembers():
            if member.issym():
                if member.linkname.startswith(("/", "\\")):
                    raise ValueError(
                        f"Archive member {member.name!r} links to an absolute path; refusing."
                    )
                folder = _lands_at(os.path.dirname(member.name), links, member.name)
                place = folder + (os.path.basename(member.name.rstrip("/")),)
                _lands_at("/".join(folder + (member.linkname,)), links, member.name)
                links[place] = member.linkname
            elif member.islnk():
                _lands_at(member.linkname, links, member.name)
                links.pop(_lands_at(member.name, links, member.name), None)
            elif member.isfile() or member.isdir():
                links.pop(_lands_at(member.name, links, member.name), None)
            else:
                raise ValueError(f"Archive member {member.name!r} is a device or FIFO; refusing.")


def check_target(target):
    """Raises ValueError unless ``target`` is new, empty, or a folder `extract` made.

    Extraction replaces the folder whole: files of yours in it would be lost.
    """
    atomic.check_replaceable(target, MARKER, "a folder made by download", "the extracted files")


def extract(archive, target):
    """Extracts a zip or tar(.gz, .bz2, .xz) archive into ``target``, safely and whole.

    Every member is checked first (`check_members`); the archive is unpacked in
    a temporary folder that replaces ``target`` only when all went well.

    Args:
        archive: path of the archive.
        target: folder to create, or replace if an earlier `extract` made it
            (``target`` holding other files is refused: they would be lost).

    Returns:
        ``target`` as a `Path`.
    """
    archive = os.fspath(archive)
    check_target(target)
    if not (zipfile.is_zipfile(archive) or tarfile.is_tarfile(archive)):
        raise ValueError(f"{archive} is neither a zip nor a tar archive.")
    check_members(archive)
    with atomic.directory(target) as tmp:
        atomic.write_json(tmp / MARKER, {"archive": os.path.basename(archive)})
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
    check_target(out)  # before the download, which may be long
    archive = out.parent / ".downloads" / os.path.basename(url.split("?")[0])
    download(url, archive, sha256, progress=progress)
    try:
        extract(archive, out)
    finally:
        # A refused archive goes too: nothing is left behind that was not asked for.
        if not keep_archive:
            archive.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                archive.parent.rmdir()
    return out
