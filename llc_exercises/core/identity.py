"""Who is the participant? JupyterHub's user, else ``LLC_PARTICIPANT``, else remembered from orientation."""
from __future__ import annotations

import json
from pathlib import Path

from .. import settings
from ..errors import LeadingEdgeError
from .files import PRIVATE, write_atomic
from .paths import answers_path, check_participant_id, data_dir
from .store import AnswerStore


class NotIdentified(LeadingEdgeError, RuntimeError):
    pass


def remembered_path() -> Path:
    return data_dir() / "participant.json"


def current_participant_id() -> str | None:
    for setting in (settings.HUB_USER, settings.PARTICIPANT):
        if setting.is_set():
            return check_participant_id(setting.raw(), f"${setting.name}")
    try:
        pid = json.loads(remembered_path().read_text(encoding="utf-8")).get("id")
    except (FileNotFoundError, ValueError, AttributeError):
        return None
    return check_participant_id(pid, f"id in {remembered_path()}") if pid else None


def identity_from_environment() -> bool:
    return settings.HUB_USER.is_set() or settings.PARTICIPANT.is_set()


def source_of_identity() -> str:
    if settings.HUB_USER.is_set():
        return "your JupyterHub login"
    if settings.PARTICIPANT.is_set():
        return "the LLC_PARTICIPANT setting"
    return f"what you entered in orientation (kept in {remembered_path()})"


def remember(pid: str, **details) -> AnswerStore:
    """Remember who this is (for laptops and Binder) and record their details in their answers file."""
    pid = check_participant_id(pid)
    remembered_path().parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomic(remembered_path(), json.dumps({"id": pid}).encode("utf-8"), access=PRIVATE)
    store = AnswerStore(answers_path(pid))
    store.set_participant(id=pid, **{k: v for k, v in details.items() if v})
    return store


def current_store() -> AnswerStore:
    pid = current_participant_id()
    if not pid:
        raise NotIdentified(
            "The kit does not know who you are yet. Open notebooks/00_orientation.ipynb and fill in "
            "'About you' (or set LLC_PARTICIPANT=your-id before starting Jupyter).")
    return AnswerStore(answers_path(pid), participant={"id": pid})
