"""Leading Edge: worksheets, answer store and workbooks for the On the Leading Edge series.

Data flows one way: worksheet definitions (``definitions``) → answer store (``store``) → live
widgets (``widgets``) and static renders (``render``, ``charts``) → workbook (``workbook``, ``pdf``)
→ command line (``cli``). Notebooks use the one-line calls in ``notebook``.
"""
from .core.store import AnswerFileError, AnswerStore

__all__ = ["AnswerStore", "AnswerFileError", "__version__"]
__version__ = "0.1.0"
