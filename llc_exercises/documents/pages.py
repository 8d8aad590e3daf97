"""Whole pages come from Jinja2 templates with autoescape on, all extending ``base.html.j2``, and
their styles from ``.css`` files sharing one palette (``static/palette.css``); both ship inside the
package. An audience folder with its own ``templates/`` passes it as ``folders`` and still extends
the base, so every page the kit hands out has the same shell, language and colours."""
from __future__ import annotations

import functools
from pathlib import Path

from markupsafe import Markup

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"


@functools.cache
def stylesheet(*names: str) -> str:
    """The named stylesheets from ``static/`` (``"palette"`` first, once), joined as one text."""
    ordered = ["palette", *(n for n in names if n != "palette")]
    return "\n".join((STATIC / f"{n}.css").read_text(encoding="utf-8") for n in ordered)


@functools.cache
def environment(folders: tuple[Path, ...] = ()):
    import jinja2  # here, not at the top: every notebook imports this module for its stylesheet only

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([*map(str, folders), str(TEMPLATES)]),
        autoescape=True,  # participant text is escaped unless a template says |safe on kit-made HTML
        undefined=jinja2.StrictUndefined,  # a misspelt name fails the build, not a blank on the page
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.globals["stylesheet"] = lambda *names: Markup(stylesheet(*names))
    return env


def render(template: str, folders: tuple[Path, ...] = (), **context) -> str:
    """``template`` (a file name under ``templates/`` or one of ``folders``) filled with ``context``."""
    return environment(tuple(folders)).get_template(template).render(**context)


def safe(html: str) -> Markup:
    """Mark kit-made HTML (already escaped where it holds participant text) for a template."""
    return Markup(html)
