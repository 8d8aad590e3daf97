"""Kept so hub configs written before the hub package existed (``python -m llc_exercises.service``)
still start the service; new configs run ``llc_exercises.hub.service``."""
import sys

from .hub.service import main

if __name__ == "__main__":
    sys.exit(main())
