"""Where the browser chat and the API listen: a host and a port (``ServeSettings``: flags,
then ``GRADIO_SERVER_NAME``/``GRADIO_SERVER_PORT``, then 127.0.0.1:7860), whether the host
is this machine only, and whether anything could listen there now.

The free-port check runs before Gradio is imported (Gradio reads ``GRADIO_SERVER_PORT`` on
import and fails with a traceback on a bad one) and before the index and model load, so a
port in use is said at once. Left out: who may use it (``access``: logins, the API key and
the refusal to listen publicly without one), reading the environment (``qa.settings``), and
TLS (put a reverse proxy in front for that).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

from qa.errors import ConfigError
from qa.settings import ServeSettings


@dataclass(frozen=True)
class Address:
    host: str
    port: int

    @classmethod
    def of(cls, settings: ServeSettings) -> Address:
        return cls(settings.host, settings.port)

    @property
    def url(self) -> str:
        """Where a browser on this machine opens it: ``Address("0.0.0.0", 80).url ->
        "http://127.0.0.1:80"``"""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach ``host``: ``is_loopback("::1") -> True``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_free(address: Address) -> None:
    """ConfigError when nothing could listen there (port taken, no such address)."""
    listen(address).close()


def listen(address: Address) -> socket.socket:
    """A socket listening on the address (the server's own), or a ConfigError saying why not."""
    family = socket.AF_INET6 if ":" in address.host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do
    try:
        s.bind((address.host, address.port))
        s.listen(2048)
    except OSError as e:
        s.close()
        raise ConfigError(f"Cannot listen on {address.host}:{address.port} "
                          f"({e.strerror or e}). Is another server using that port? "
                          f"Choose another with --port N.") from None
    return s
