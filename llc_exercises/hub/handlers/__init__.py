"""The service's tornado handlers, as JupyterHub lays out its own: ``base`` (what every handler
shares), ``pages`` (HTML for people) and ``api`` (JSON for kernels and scripts). Each module ends
with its ``default_handlers``, (path under the service prefix, handler class); these are all of them.

jupyterhub is imported by these modules: participants' kernels import the package without it, and
only the service (``hub.service``) imports this folder."""
from . import api, pages, participants

default_handlers = [*pages.default_handlers, *api.default_handlers, *participants.default_handlers]

__all__ = ["default_handlers"]
