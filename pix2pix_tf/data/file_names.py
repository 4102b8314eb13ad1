"""File names: output names that never collide, and names that can be shown and read.

Two inputs may map to one output name (``dup.jpg`` and ``dup.JPG`` both give
``dup``), and a folder on macOS or Windows holds only one of ``a.png`` and
``A.png``: `unique_names` keeps outputs apart. A name whose bytes are not UTF-8
(a Latin-1 ``café.jpg`` copied from an old disk) cannot reach TensorFlow:
`name_problem` says so, and `shown` prints it without a ``UnicodeEncodeError``.
"""

import os


def unique_names(names):
    """``names`` with repeats made unique, ignoring case: later ones get ``_2``, ``_3``, ...

    The first of each name keeps it; a suffix never takes a name that is
    already in the list.

    Example:
        >>> unique_names(["dup", "DUP", "dup_2", "a"])
        ['dup', 'DUP_3', 'dup_2', 'a']
    """
    names = list(names)
    taken = {name.casefold() for name in names}
    seen, unique = set(), []
    for name in names:
        if name.casefold() in seen:
            number = 2
            while f"{name}_{number}".casefold() in taken:
                number += 1
            name = f"{name}_{number}"
            taken.add(name.casefold())
        seen.add(name.casefold())
        unique.append(name)
    return unique


def shown(path):
    """``path`` as text that can always be printed: bytes that are not UTF-8 as ``\\xe9``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def name_problem(path):
    """Why a file's name cannot be read by TensorFlow, or None if it can."""
    try:
        os.fspath(path).encode("utf-8")
    except UnicodeEncodeError:
        return (
            "file name not UTF-8: TensorFlow reads UTF-8 names only; rename it (e.g. "
            "`convmv -f latin1 -t utf8 --notest FILE`)"
        )
    return None
