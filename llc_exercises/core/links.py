"""Links that hand the kit to participants: nbgitpuller on a hub, mybinder.org for self-paced
learners. The command line prints them; app mode rewrites one to open pages as forms."""
from __future__ import annotations

import urllib.parse


def nbgitpuller_link(hub: str, repo: str, branch: str = "main",
                     open_path: str = "notebooks/00_orientation.ipynb", app: str = "lab") -> str:
    """The link that clones (then keeps updating) the kit's notebooks into each participant's home
    and opens orientation. nbgitpuller must be installed in the single-user image."""
    hub = hub.rstrip("/")
    if not hub.startswith(("http://", "https://")):
        raise ValueError(f"--hub must be the hub's address, starting with https:// (got {hub!r})")
    if not repo.strip():
        raise ValueError("--repo must be the git address of the kit's repository")
    folder = repo.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git") or "leading-edge"
    urlpath = f"{app}/tree/{folder}/{open_path.lstrip('/')}"
    query = urllib.parse.urlencode({"repo": repo, "branch": branch, "urlpath": urlpath})
    return f"{hub}/hub/user-redirect/git-pull?{query}"


def binder_link(repo: str, branch: str = "main", open_path: str = "notebooks/00_orientation.ipynb",
                app: bool = False) -> str:
    """The mybinder.org link that builds a copy of the kit (from its binder/ folder) and opens
    ``open_path`` in JupyterLab, or with ``app`` as a form without code (voila/render/)."""
    repo = repo.strip().rstrip("/")
    if not repo.startswith(("http://", "https://")):
        raise ValueError(f"--repo must be the web address of your copy of the kit, e.g. "
                         f"https://github.com/your-district/leading-edge (got {repo!r})")
    urlpath = ("voila/render/" if app else "lab/tree/") + open_path.lstrip("/")
    parts = urllib.parse.urlsplit(repo)
    path = parts.path.strip("/").removesuffix(".git")
    if parts.netloc == "github.com" and path.count("/") == 1:
        where = f"gh/{path}/{urllib.parse.quote(branch, safe='')}"
    else:  # any other public git host
        where = f"git/{urllib.parse.quote(repo, safe='')}/{urllib.parse.quote(branch, safe='')}"
    return f"https://mybinder.org/v2/{where}?{urllib.parse.urlencode({'urlpath': urlpath}, safe='/')}"
