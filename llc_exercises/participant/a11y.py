"""Keyboard and screen-reader fixes for the kit's forms that ipywidgets 8.1 cannot express (it has no
ARIA settings, ipywidgets #2650): radio groups, group names, live status lines, no notebook
shortcuts inside a form, and focus that stays on the form (details on ``Helper``)."""
from __future__ import annotations

import anywidget

from .assets import STATIC, script


class Helper(anywidget.AnyWidget):
    """Shown inside each kit form; renders nothing and marks the form up.

    ipywidgets has no ARIA settings (ipywidgets #2650): its radio buttons share no ``name``, so each is
    its own Tab stop and the arrow keys do nothing; the question above them is a ``<label>`` tied to
    no control; a status line is replaced wholesale, so a screen reader never hears it change; and keys
    pressed on a radio button or a button reach JupyterLab's notebook shortcuts (``a`` inserts a cell).

    ``Helper`` is an invisible anywidget shown once in every form. Its script, loaded in JupyterLab and
    in Voila alike, watches the page and marks up every kit form (``.llc-ws``, ``.llc-form``) from the
    classes Python gives its parts:

    * the form and every control in it: ``data-lm-suppress-shortcuts``, so no key pressed there
      reaches a notebook shortcut;
    * ``.widget-radio`` (choice, scale): one ``name`` per group and ``role=radiogroup`` named by the
      question; ``.llc-group`` (checkboxes, tables): ``role=group`` named by its ``.llc-group-title``;
    * ``.llc-row``: "Row 2 of …"; ``.llc-live``: a polite live region that persists across updates;
    * after *Add a row* the new row's first box has the focus, after *Remove row N* the row that took
      its place (*Add a row* after the last row), never the page: a lost focus would hand the keyboard
      to the notebook."""

    _esm = script("a11y")  # static/a11y.js
    # with every form, also those without a worksheet's CSS (the file says why)
    _css = STATIC / "a11y.css"


def form(box):
    """Mark an ipywidgets container as a kit form (keyboard and screen-reader fixes above) and
    give it its helper; returns the container."""
    box.add_class("llc-form")
    box.children = (*box.children, Helper())
    return box
