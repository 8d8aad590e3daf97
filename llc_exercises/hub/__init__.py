"""The JupyterHub side: ``configure(c)`` for hub admins, and the ``leading-edge`` service with its
dashboard, submissions, build jobs and the local demo hub."""
from ..core.links import nbgitpuller_link
from .config import configure

__all__ = ["configure", "nbgitpuller_link"]
