"""PDF engines: turn a finished workbook page (HTML) into a PDF.

``chromium`` prints in a headless Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright)
that stays open between workbooks: about 0.3 s for a 35-page workbook, against 3–5 s for WeasyPrint.
``weasyprint`` installs from PyPI alone and needs no browser. Both honour the page's CSS paged media
(page size, margins, the running footer with page numbers). ``auto`` picks Chromium when one is
installed.

Every PDF is tagged (a structure tree a screen reader can follow, /Lang from ``<html lang>``, the
``<title>`` shown as the document's title) and has bookmarks made from the page's h1–h6: Chromium
with Playwright's ``tagged``/``outline``, WeasyPrint with its PDF/UA-1 variant. Everything the kit
prints (workbooks, report, guide, letters, certificates) goes through a ``Printer`` here, so none
can come out untagged. ``tagged=False`` is for the benchmark only (what tagging costs).
"""
from __future__ import annotations

import asyncio
import logging
import re
import shutil
import threading
import zlib
from pathlib import Path

from .. import settings
from ..core.files import write_atomic
from ..errors import LeadingEdgeError, first_line

ENGINES = ("chromium", "weasyprint")
CHOICES = ("auto", *ENGINES)
# Chromium on a closed network: without these it keeps trying to reach Google's services.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


TAB_PRINTS = 20  # prints per Chromium tab before it is replaced


class PdfEngineError(LeadingEdgeError, RuntimeError):
    pass


def chromium_path() -> str | None:
    for candidate in (settings.CHROMIUM.raw(), "chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(candidate) if candidate else None
        if found:
            return found
    return None


def find_chromium() -> str:
    found = chromium_path()
    if not found:
        raise PdfEngineError(
            "The chromium PDF engine needs a Chromium browser. On Debian/Ubuntu: "
            "`sudo apt-get install chromium` (or set LLC_CHROMIUM to its path), "
            "or use --pdf-engine weasyprint.")
    return found


def resolve_engine(engine: str) -> str:
    """``auto`` → chromium when a browser is installed, else weasyprint; other names are checked."""
    if engine == "auto":
        return "chromium" if chromium_path() else "weasyprint"
    if engine not in ENGINES:
        raise PdfEngineError(f"Unknown PDF engine {engine!r}; choose one of: {', '.join(CHOICES)}")
    return engine


class Printer:
    """Prints HTML pages to PDF bytes; ``close()`` releases whatever the engine keeps open."""

    tagged = True

    def pdf(self, html: str) -> bytes:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class WeasyPrinter(Printer):
    def __init__(self, tagged: bool = True) -> None:
        import weasyprint  # imported lazily: it loads pango, which HTML-only builds do not need

        # WeasyPrint logs every CSS property it ignores; the page works without them.
        logging.getLogger("weasyprint").setLevel(logging.ERROR)
        logging.getLogger("fontTools").setLevel(logging.ERROR)
        self._html = weasyprint.HTML
        self.tagged = tagged

    def pdf(self, html: str) -> bytes:
        # PDF/UA-1: tags, /Lang, /MarkInfo, the title in XMP and DisplayDocTitle; WeasyPrint makes
        # bookmarks from h1–h6 either way.
        return self._html(string=html).write_pdf(pdf_variant="pdf/ua-1" if self.tagged else None)


class ChromiumPrinter(Printer):
    """One headless Chromium kept open; each print has a tab to itself, reused for a few prints.

    Playwright's async API runs on a private event-loop thread, so any thread may print (Dask
    workers run tasks on several threads) and any thread may close it."""

    def __init__(self, timeout_s: float = 120, tagged: bool = True) -> None:
        self.executable = find_chromium()
        self.tagged = tagged
        self.timeout_ms = timeout_s * 1000
        self._idle: list = []  # (tab, prints so far) waiting for the next page; used on the loop thread only
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="llc-chromium", daemon=True)
        self._thread.start()
        try:
            self._playwright, self._browser = self._call(self._launch())
        except Exception as exc:
            self._stop_loop()
            raise PdfEngineError(f"Could not start Chromium ({self.executable}) to print workbooks: "
                                 f"{first_line(exc)}. Try --pdf-engine weasyprint.") from None

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    async def _launch(self):
        from playwright.async_api import async_playwright

        pw = await async_playwright().start()
        try:
            return pw, await pw.chromium.launch(executable_path=self.executable, args=CHROMIUM_FLAGS)
        except BaseException:
            await pw.stop()
            raise

    async def _print(self, html: str) -> bytes:
        # Tabs are reused (a new one costs ~0.1 s), each print having one to itself, but only for a
        # few prints: a tab's memory grows with every page set into it (~4 MB a workbook).
        page, uses = self._idle.pop() if self._idle else (await self._browser.new_page(), 0)
        try:
            page.set_default_timeout(self.timeout_ms)
            await page.set_content(html, wait_until="load")
            # prefer_css_page_size: the page's own @page rules set size and margins, as in WeasyPrint.
            # tagged: a structure tree from the accessibility tree (/Lang, /Alt on images); outline:
            # bookmarks from the headings.
            data = await page.pdf(prefer_css_page_size=True, print_background=True,
                                  tagged=self.tagged, outline=self.tagged)
        except BaseException:
            await page.close()
            raise
        if uses + 1 < TAB_PRINTS:
            self._idle.append((page, uses + 1))
        else:
            await page.close()
        return data

    def pdf(self, html: str) -> bytes:
        try:
            return self._call(self._print(html))
        except Exception as exc:
            raise PdfEngineError(f"Chromium ({self.executable}) could not print the workbook: "
                                 f"{first_line(exc)}. Try --pdf-engine weasyprint.") from None

    async def _shutdown(self) -> None:
        try:
            await self._browser.close()
        finally:
            await self._playwright.stop()

    def close(self) -> None:
        if self._loop.is_closed():
            return
        try:
            if self._loop.is_running():
                self._call(self._shutdown())
        except Exception:  # noqa: BLE001 - a browser that already died needs no closing
            pass
        self._stop_loop()

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if not self._loop.is_running():
            self._loop.close()


def open_printer(engine: str = "auto", tagged: bool = True) -> Printer:
    engine = resolve_engine(engine)
    return ChromiumPrinter(tagged=tagged) if engine == "chromium" else WeasyPrinter(tagged=tagged)


def write_pdf(html: str, out: Path, engine: str = "auto") -> Path:
    """Print one page (opening and closing the engine); cohort builds keep a printer open instead."""
    with open_printer(engine) as printer:
        data = printer.pdf(html)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, data)
    return out


_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z0-9])")  # a page object; not /Pages, the tree above them
_OBJECT_STREAM = re.compile(rb"/Type\s*/ObjStm\b.*?>>\s*stream\r?\n", re.S)


def page_count(data: bytes) -> int:
    """How many pages a PDF printed by either engine has, without poppler: its page objects,
    counted in the file and in its compressed object streams (WeasyPrint keeps them there,
    Chromium does not). A PDF whose pages cannot be found is an error, never a count of 0."""
    found = len(_PAGE.findall(data))
    for match in _OBJECT_STREAM.finditer(data):
        try:
            found += len(_PAGE.findall(zlib.decompressobj().decompress(data[match.end():])))
        except zlib.error:
            raise PdfEngineError("Could not count the pages of a printed PDF: an object stream is "
                                 "not Flate-compressed.") from None
    if not found:
        raise PdfEngineError("Could not count the pages of a printed PDF: it has no page objects.")
    return found
