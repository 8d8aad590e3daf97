"""Send my answers to my facilitator: the participant's side of the hub service.

On a JupyterHub configured with ``hub.configure`` the server's own token (``JUPYTERHUB_API_TOKEN``)
authenticates the send, and ``LLC_SERVICE_URL`` says where the service is. Anywhere else there is
no service to send to, so the form points to Download my answers (``carry``) instead. Sending never
changes the participant's own file: whatever goes wrong, the answers stay where they were.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from .. import settings
from ..core.store import AnswerFileError, AnswerStore, read_document
from ..errors import LeadingEdgeError

TIMEOUT_S = 30


class SendError(LeadingEdgeError, RuntimeError):
    """Sending failed; the message says what happened and what to do, and that nothing was lost."""


@dataclass(frozen=True)
class Sent:
    submitted: str
    answered: int

    def when(self) -> str:
        try:
            t = dt.datetime.fromisoformat(self.submitted).astimezone()
        except ValueError:
            return self.submitted
        return f"{t:%H:%M %Z} on {t:%d %B %Y}".replace("  ", " ")  # the zone: hubs often run on UTC


def service_url() -> str | None:
    url = settings.SERVICE_URL.raw()
    return (url.rstrip("/") + "/") if url else None


def can_send() -> bool:
    """True on a hub that runs the service: there is somewhere to send to and a token to send with."""
    return bool(service_url() and settings.HUB_API_TOKEN.is_set())


def send(store: AnswerStore, timeout: float = TIMEOUT_S) -> Sent:
    """POST the participant's answers file to the service. Raises SendError with a clear message."""
    safe = f"Your answers are safe in {store.path}."
    if not can_send():
        raise SendError("There is no Leading Edge service to send to here (this is not a JupyterHub "
                        "set up for the kit). Download your answers file instead and give it to your "
                        "facilitator.")
    if not store.path.exists():
        raise SendError("You have not saved any answers yet: fill in a worksheet first.")
    try:
        body = json.dumps(read_document(store.path), ensure_ascii=False).encode("utf-8")
    except AnswerFileError as exc:  # damaged: the message says how to restore the backup
        raise SendError(str(exc)) from None
    req = urllib.request.Request(
        f"{service_url()}api/submissions", data=body, method="POST",
        headers={"Authorization": f"token {settings.HUB_API_TOKEN.raw()}",
                 "Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            reply = json.loads(resp.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        raise SendError(_refusal(exc) + " " + safe) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SendError(f"Could not reach the Leading Edge service ({reason}). {safe} Try again in a "
                        "minute; if it keeps failing, tell your facilitator.") from None
    return Sent(reply.get("submitted", ""), int(reply.get("answered", 0)))


def _refusal(exc: urllib.error.HTTPError) -> str:
    try:
        detail = json.loads(exc.read().decode("utf-8"))
    except (ValueError, OSError):
        detail = {}
    message = detail.get("error") or exc.reason
    if exc.code in (401, 403):
        return (f"JupyterHub did not accept this server's credentials ({message}). Save your "
                "notebook, restart your server (File → Hub Control Panel → Stop My Server, then "
                "Start), and send again.")
    if exc.code == 400:
        problems = detail.get("problems") or []
        shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
        return f"The service refused the answers: {message}" + (f" ({shown})" if shown else "")
    if exc.code == 413:
        return f"Your answers are too large to send: {message}"
    return f"The Leading Edge service had a problem ({exc.code}: {message}). Try again in a minute."


def submit_form(store: AnswerStore):
    """The labelled "Send my answers to my facilitator" button with its status line, or, off a
    hub, where the answers file is and how to download it."""
    import ipywidgets as w

    from . import a11y

    status = w.HTML(layout=w.Layout(margin="4px 0"))
    status.add_class("llc-status")
    if not can_send():
        status.value = (
            '<p>You are not on a JupyterHub that runs the Leading Edge service, so there '
            f"is nothing to send to from here. Your answers are in <code>{html.escape(str(store.path))}"
            "</code>. To hand them in, press <b>Download my answers</b> under <i>Carry your answers to "
            "another computer</i> (just below) and give the file it saves to your facilitator (by email, "
            "or your cohort's shared folder).</p>")
        form = a11y.form(w.VBox([status]))
        form.button, form.status = None, status
        return form
    button = w.Button(description="Send my answers to my facilitator", button_style="primary",
                      icon="paper-plane", layout=w.Layout(width="max-content", align_self="flex-start"),
                      tooltip="Send a copy of everything you have saved to your facilitator")
    status.value = ('<span>Sends a copy of everything you have saved (all sessions). '
                    "Send again whenever you like; your facilitator sees the latest.</span>")

    def on_click(_b):
        button.disabled = True
        status.value = '<span>Sending…</span>'
        try:
            sent = send(store)
        except SendError as exc:
            status.value = f'<span class="llc-error" role="alert">Not sent. {html.escape(str(exc))}</span>'
        else:
            status.value = (f'<span>Sent at {html.escape(sent.when())}: {sent.answered} '
                            "answered questions. Your facilitator now sees this copy.</span>")
        finally:
            button.disabled = False

    button.on_click(on_click)
    status.add_class("llc-live")  # "Sent at …" is announced
    form = a11y.form(w.VBox([button, status]))
    form.button, form.status = button, status
    return form

