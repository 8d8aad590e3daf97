"""PDF engines: turn a finished workbook page (HTML) into a PDF.

``weasyprint`` (default) installs from PyPI alone and honours CSS paged media (page size, running
footer, page numbers). ``chromium`` prints the same page through nbconvert's webpdf machinery on
Debian's ``/usr/bin/chromium``; nbconvert offers no browser-path option, so a private Playwright
browsers folder is set up whose headless-shell entry points at the system browser.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

from .errors import LeadingEdgeError
from .store import write_atomic

ENGINES = ("weasyprint", "chromium")
# Chromium on a closed network: without these it keeps trying to reach Google's services.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class PdfEngineError(LeadingEdgeError, RuntimeError):
    pass


def write_pdf(html: str, out: Path, engine: str = "weasyprint") -> Path:
    if engine not in ENGINES:
        raise PdfEngineError(f"Unknown PDF engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    data = _weasyprint(html) if engine == "weasyprint" else _chromium(html)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, data)
    return out


def _weasyprint(html: str) -> bytes:
    import weasyprint  # imported lazily: it loads pango, which HTML-only builds do not need

    # WeasyPrint logs every CSS property it ignores; the page works without them.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return weasyprint.HTML(string=html).write_pdf()


def find_chromium() -> str:
    for candidate in (os.environ.get("LLC_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(candidate) if candidate else None
        if found:
            return found
    raise PdfEngineError(
        "The chromium PDF engine needs a Chromium browser. On Debian/Ubuntu: "
        "`sudo apt-get install chromium` (or set LLC_CHROMIUM to its path), "
        "or use the default engine: --pdf-engine weasyprint.")


def _browsers_path(chromium: str) -> Path:
    """A Playwright browsers folder whose headless shell is the system Chromium."""
    import playwright

    browsers = json.loads((Path(playwright.__file__).parent / "driver" / "package" / "browsers.json")
                          .read_text())["browsers"]
    rev = next(b["revision"] for b in browsers if b["name"] == "chromium-headless-shell")
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "leading-edge" / "playwright"
    exe = root / f"chromium_headless_shell-{rev}" / "chrome-headless-shell-linux64" / "chrome-headless-shell"
    if not (exe.is_symlink() and os.readlink(exe) == chromium):
        exe.parent.mkdir(parents=True, exist_ok=True)
        exe.unlink(missing_ok=True)
        exe.symlink_to(chromium)
    return root


def _chromium(html: str) -> bytes:
    try:
        from nbconvert.exporters.webpdf import WebPDFExporter
    except ImportError as exc:  # pragma: no cover - nbconvert is a hard dependency
        raise PdfEngineError(f"nbconvert's webpdf exporter is unavailable: {exc}") from None
    chromium = find_chromium()
    os.environ["PLAYWRIGHT_BROWSERS_PATH"] = str(_browsers_path(chromium))
    exporter = WebPDFExporter(browser_args=list(CHROMIUM_FLAGS), page_render_timeout=200)
    try:
        return exporter.run_playwright(html)
    except RuntimeError as exc:
        raise PdfEngineError(f"Chromium ({chromium}) could not print the workbook: {exc}. "
                             "Try --pdf-engine weasyprint.") from None
