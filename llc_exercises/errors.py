"""The kit's root exception. Every error the kit raises on purpose derives from it and carries a
message a participant or facilitator can act on, so the command line can print just that message
(``llc: …``) and exit 1, without a traceback."""
from __future__ import annotations


class LeadingEdgeError(Exception):
    """An expected problem, described in its message (which file or field, and what to do)."""


def first_line(exc: BaseException) -> str:
    """The first line of an unexpected error's message (or its type's name), to quote in one of ours."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
