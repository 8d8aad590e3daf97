"""Where answers live, and safe file names derived from participant ids."""
from __future__ import annotations

import re
from pathlib import Path

from .. import settings
from ..errors import LeadingEdgeError

# Ids become file names, so they are restricted rather than sanitised: a rejected id is a clear
# error, whereas a silently rewritten one could make two participants share a file.
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")


class ParticipantIdError(LeadingEdgeError, ValueError):
    pass


def check_participant_id(pid: str, where: str = "participant id") -> str:
    pid = (pid or "").strip()
    if not _SAFE_ID.match(pid) or ".." in pid:
        raise ParticipantIdError(
            f"{where} {pid!r} is not allowed: use 1–64 letters, digits, '.', '_', '-' or '@', "
            "starting with a letter or digit (no slashes, no '..').")
    return pid


def data_dir() -> Path:
    """Answers live outside the git-tracked notebooks: ``$LLC_DATA_DIR`` or ``~/.leading-edge``."""
    return Path(settings.DATA_DIR.raw() or Path.home() / ".leading-edge").expanduser()


def answers_path(pid: str, directory: Path | None = None) -> Path:
    return (directory or data_dir() / "answers") / f"{check_participant_id(pid)}.json"


def output_stem(pid: str) -> str:
    """Output file stem for a participant (ids are already safe; this keeps one rule in one place)."""
    return "workbook-" + check_participant_id(pid)


PACKAGE = Path(__file__).resolve().parents[1]


def kit_folder(in_checkout: str, in_package: str) -> Path:
    """A folder the kit ships in two places: at the top of a checkout (``in_checkout``: the session
    notebooks, the practice data, where people read and edit them) and inside the installed package
    (``in_package``, from the wheel). The checkout's wins when there is one."""
    checkout = PACKAGE.parent / in_checkout
    return checkout if checkout.is_dir() else PACKAGE / in_package
