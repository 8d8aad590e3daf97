"""Writing files so a crash, a full disk or a second process never leaves half of one: one file
complete or not at all (``write_atomic``), several files all or none (``write_all``). Every module
that writes what a participant or facilitator keeps writes through here."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path


def write_atomic(path: Path, data: bytes, exclusive: bool = False) -> None:
    """``data`` at ``path`` (0600), complete or not at all. ``exclusive``: never over an existing
    file (FileExistsError, even when another process takes the name at the same moment)."""
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if exclusive:
            os.link(tmp, path)  # fails if the name is taken; the temporary name goes below
            Path(tmp).unlink()
        else:
            os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dirfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dirfd)  # make the rename itself durable
    finally:
        os.close(dirfd)


def write_all(files: Mapping[Path, bytes], mode: int = 0o600) -> None:
    """All of ``files`` or none of them. Each is written and fsynced under a temporary name in its
    own folder; only when every one is complete are they renamed into place. On any failure the
    temporary files are removed, and so is any file this call had already put in place that did
    not exist before. ``mode``: the files' permissions (default: the owner's alone)."""
    temps: dict[Path, Path] = {}
    existed = {p: p.exists() for p in files}
    placed: list[Path] = []
    try:
        for path, data in files.items():
            fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            temps[path] = Path(name)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            if mode != 0o600:
                os.chmod(name, mode)
        for path, temp in temps.items():
            os.replace(temp, path)
            placed.append(path)
    except BaseException:
        for temp in temps.values():
            temp.unlink(missing_ok=True)
        for path in placed:
            if not existed[path]:
                path.unlink(missing_ok=True)
        raise
