"""Leading Edge on one machine: The Littlest JupyterHub (TLJH) or a plain JupyterHub.

TLJH: copy this file to /opt/tljh/config/jupyterhub_config.d/leading-edge.py and run
`sudo tljh-config reload hub` (TLJH loads every *.py in that folder after its own settings).
Plain JupyterHub (LocalProcessSpawner): this can be the whole file: `jupyterhub -f jupyterhub_config.py`.
Either way the kit must be installed in the Python that runs the Hub: see docs/deploy.md.
"""
from llc_exercises.hub import configure

if "c" not in globals():  # JupyterHub and TLJH both provide `c`; get_config() returns the same object
    c = get_config()  # noqa: F821

# One call registers everything: the Hub starts the `leading-edge` service (and restarts it if it
# stops), serves it at /services/leading-edge/, lets every participant's server send answers to it,
# and tells their notebooks where it is (LLC_SERVICE_URL, here http://127.0.0.1:10101/...: the
# participants' servers run on this same machine).
configure(
    c,
    # Hub admins and members of this Hub group see the dashboard. Create the group on the Hub's
    # admin page, or list people here: facilitators=["ana", "ben"].
    facilitators_group="facilitators",
    # Submissions (SQLite) and built workbooks, private (0700) to the user the Hub runs as.
    data_dir="/srv/leading-edge",
)

# configure() works on JupyterHub 5 (what TLJH installs) and 6, and when TLJH merges this file into
# its own settings it adds to them (TLJH's idle culler, roles and environment are kept).
