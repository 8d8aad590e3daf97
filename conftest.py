"""Test-wide settings: never touch a real participant's answers; draw charts without a display.

Set at import time so kernels started by nbval and the tests inherit them.
"""
import os
import tempfile

_DATA = tempfile.mkdtemp(prefix="llc-test-data-")
os.environ["LLC_DATA_DIR"] = _DATA
os.environ["LLC_PARTICIPANT"] = "nbval-ci"
os.environ.pop("JUPYTERHUB_USER", None)
os.environ.setdefault("MPLBACKEND", "Agg")
# Keep Jupyter's per-user files (runtime, workspaces) out of the real home during tests.
os.environ["JUPYTER_RUNTIME_DIR"] = os.path.join(_DATA, "jupyter-runtime")
