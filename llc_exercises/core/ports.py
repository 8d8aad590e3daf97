"""A free TCP port on this computer: app mode, the demo hub and the tests each start local servers."""
from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
