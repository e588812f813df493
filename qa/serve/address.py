"""Where the browser chat listens and who may log in: flags, then Gradio's own variables
(``GRADIO_SERVER_NAME``, ``GRADIO_SERVER_PORT``) and ``QA_AUTH``, then 127.0.0.1:7860; and
the key that API clients must send (``QA_API_KEY``), without which only this machine may
listen (``check_exposed``).

Everything here is checked before Gradio is imported, because Gradio reads
``GRADIO_SERVER_PORT`` on import and fails with a traceback on a bad one, and before the
index and model load, so a port in use is said at once. Left out: TLS (put a reverse proxy in
front for that).
"""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass

from qa.errors import ConfigError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860


@dataclass(frozen=True)
class Address:
    host: str
    port: int
    logins: list[tuple[str, str]] | None  # Gradio's ``auth``: (user, password) pairs
    api_key: str | None = None  # the bearer token /v1 requests must carry

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"


def resolve(host: str | None = None, port: int | None = None, auth: str | None = None,
            env: dict[str, str] | None = None) -> Address:
    """The address and logins the flags and variables ask for, validated."""
    env = dict(os.environ if env is None else env)
    host = host or env.get("GRADIO_SERVER_NAME") or DEFAULT_HOST
    if port is None:
        raw = env.get("GRADIO_SERVER_PORT") or str(DEFAULT_PORT)
        try:
            port = int(raw)
        except ValueError:
            raise ConfigError(f"GRADIO_SERVER_PORT must be a port number. Currently, it is "
                              f"{raw!r}.") from None
    if not 0 < port < 65536:
        raise ConfigError(f"The port must be between 1 and 65535. Currently, it is {port}.")
    return Address(host, port, parse_auth(auth or env.get("QA_AUTH")),
                   env.get("QA_API_KEY") or None)


def parse_auth(value: str | None) -> list[tuple[str, str]] | None:
    """``parse_auth("ann:pw1,bob:pw:2") -> [("ann", "pw1"), ("bob", "pw:2")]``"""
    if not value:
        return None
    pairs = []
    for item in value.split(","):
        user, sep, password = item.strip().partition(":")
        if not sep or not user or not password:
            raise ConfigError("--auth (or QA_AUTH) must be USER:PASSWORD, several separated "
                              "by commas. The user or the password is missing.")
        pairs.append((user, password))
    return pairs


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposed(address: Address) -> None:
    """ConfigError for an address other machines can reach while the API needs no key."""
    if not is_loopback(address.host) and not address.api_key:
        raise ConfigError(f"Refusing to listen on {address.host} without QA_API_KEY: the API "
                          f"(/v1) would answer anyone who can reach this machine. Set "
                          f"QA_API_KEY to a secret that API clients send as a bearer token "
                          f"(and --auth USER:PASSWORD for the browser), or listen on "
                          f"127.0.0.1.")


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
