"""A button that makes a file in the kernel and saves it in the browser as a download, in JupyterLab and
in app mode (Voila) alike, without a terminal or a file browser.

``DownloadButton`` takes a *producer*: a callable returning ``(filename, bytes, mime type)``. A click
on the real ``<button>`` asks the kernel for the file; the producer runs on a thread of its own, so
the kernel keeps answering the page's other forms (they save as the participant types) while a
workbook takes seconds to build. The button is disabled meanwhile, and the status line (an
``llc-live`` region, announced by screen readers) says what is happening, what arrived, or what went
wrong and what to do. The bytes travel in the widget message's buffer and the browser saves them
through a temporary link, the one way that works the same in both front ends.
"""
from __future__ import annotations

import html
import threading
from collections.abc import Callable

import anywidget
import ipywidgets as w
import traitlets

from ..errors import LeadingEdgeError, first_line
from . import a11y
from .assets import script, style_tag

Producer = Callable[[], tuple[str, bytes, str]]


def error_html(message: str) -> str:
    return f'<p class="llc-download-error" role="alert">{html.escape(message)}</p>'


def ok_html(message: str) -> str:
    return f'<p class="llc-download-ok">{html.escape(message)}</p>'


class DownloadButton(anywidget.AnyWidget):
    """A labelled button whose click runs ``producer`` in a thread and downloads what it returns.

    ``working``: the status line while it runs; ``done(filename, data)``: the line once sent
    (plain text); ``failed``: what to add to an unexpected error's line (the kit's own errors show
    their message, which already says what to do)."""

    _esm = script("download")  # static/download.js: a real <button>, the file saved by a link
    description = traitlets.Unicode("Download").tag(sync=True)
    busy = traitlets.Bool(False).tag(sync=True)

    def __init__(self, producer: Producer, status: w.HTML, working: str = "Preparing your file…",
                 done: Callable[[str, bytes], str] | None = None,
                 failed: str = "Try again; if it happens again, tell your facilitator.", **kwargs):
        super().__init__(**kwargs)
        self.producer, self.status, self.working, self.failed = producer, status, working, failed
        self.done = done or (lambda name, data: f"Downloaded {name}.")
        self.thread: threading.Thread | None = None
        self.on_msg(self.handle_message)

    def handle_message(self, _widget, content, _buffers) -> threading.Thread | None:
        """A press of the button: start making the file (returns the thread; None if not started)."""
        if not isinstance(content, dict) or content.get("request") != "download" or self.busy:
            return None
        self.busy = True
        self.status.value = ok_html(self.working)
        self.thread = threading.Thread(target=self.produce, name="llc-download", daemon=True)
        self.thread.start()
        return self.thread

    def produce(self) -> None:
        """Run the producer and send its file, or put what went wrong in the status line."""
        try:
            name, data, mime = self.producer()
        except LeadingEdgeError as exc:
            self.status.value = error_html(f"Not downloaded. {exc}")
        except Exception as exc:  # noqa: BLE001 - on a thread, an exception would vanish unseen
            self.status.value = error_html(f"Not downloaded: something unexpected went wrong "
                                           f"({first_line(exc)}). {self.failed}")
        else:
            self.send({"reply": "download", "filename": name, "mime": mime}, buffers=[data])
            self.status.value = ok_html(self.done(name, data))
        finally:
            self.busy = False


# The form's styles (static/downloads.css) after the palette; widget HTML keeps its <style>.
CSS = style_tag("downloads")


def download_form(label: str, producer: Producer, help_text: str = "", **kwargs):
    """A small kit form: the button, a line of help (plain text) and the live status line."""
    status = w.HTML(f'<p class="llc-download-help">{html.escape(help_text)}</p>' if help_text else "")
    status.add_class("llc-live")
    button = DownloadButton(producer, status, description=label, **kwargs)
    form = a11y.form(w.VBox([w.HTML(CSS), button, status]))
    form.add_class("llc-download-form")
    form.button, form.status = button, status
    return form
