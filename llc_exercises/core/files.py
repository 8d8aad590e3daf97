"""Writing files so a crash, a full disk or a second process never leaves half of one: one file
complete or not at all (``write_atomic``), several files all or none (``write_all``). Every module
that writes what a participant or facilitator keeps writes through here.

Who can read them is decided here too, by one rule (README, "Who can read the files"): a file
holding a participant's answers is ``PRIVATE`` (0600, whatever the umask); anything else the kit
writes for a facilitator or to hand out is ``SHARED`` (0666 less the user's umask, as any program
would create it: the user decides, e.g. umask 077 on a shared machine). Each writer says which.
"""
from __future__ import annotations

import enum
import os
import secrets
from collections.abc import Mapping
from pathlib import Path


class Access(enum.Enum):
    PRIVATE = "private"  # a participant's answers: answers files, workbooks, exports, letters
    SHARED = "shared"  # anonymous or facilitator-wide: reports, guides, calendars, certificates


PRIVATE, SHARED = Access.PRIVATE, Access.SHARED


def _temporary(path: Path, access: Access) -> tuple[int, Path]:
    """A new, empty temporary file beside ``path`` (open for writing), with ``access``'s mode.

    Created with os.open rather than mkstemp: mkstemp always makes 0600, and a shared file would
    then have to guess the umask (reading it means setting it, for every thread at once). Created
    0666 the kernel applies the umask (or the folder's default ACL) itself."""
    while True:
        temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
                         0o600 if access is PRIVATE else 0o666)
        except FileExistsError:
            continue
        if access is PRIVATE:
            try:
                os.fchmod(fd, 0o600)  # 0600 exactly, even under a umask that takes the owner's bits
            except BaseException:
                os.close(fd)
                temp.unlink(missing_ok=True)
                raise
        return fd, temp


def _fill(fd: int, data: bytes) -> None:
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def write_atomic(path: Path, data: bytes, exclusive: bool = False, access: Access = PRIVATE) -> None:
    """``data`` at ``path``, complete or not at all; readable as ``access`` says (PRIVATE unless the
    caller says SHARED: a file nobody classified stays its owner's). ``exclusive``: never over an
    existing file (FileExistsError, even when another process takes the name at the same moment)."""
    path = Path(path)
    fd, tmp = _temporary(path, access)
    try:
        _fill(fd, data)
        if exclusive:
            os.link(tmp, path)  # fails if the name is taken; the temporary name goes below
            tmp.unlink()
        else:
            os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dirfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dirfd)  # make the rename itself durable
    finally:
        os.close(dirfd)


def write_all(files: Mapping[Path, bytes], access: Access = PRIVATE) -> None:
    """All of ``files`` or none of them, readable as ``access`` says. Each is written and fsynced
    under a temporary name in its own folder; only when every one is complete are they renamed
    into place. On any failure the temporary files are removed, and so is any file this call had
    already put in place that did not exist before."""
    temps: dict[Path, Path] = {}
    existed = {p: p.exists() for p in files}
    placed: list[Path] = []
    try:
        for path, data in files.items():
            fd, temps[path] = _temporary(Path(path), access)
            _fill(fd, data)
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
