"""Who may use the chat and the API: browser logins (``--auth`` or ``QA_AUTH``, Gradio's
``auth`` pairs), the key API clients must send (``QA_API_KEY``), and the exposure policy:
an address other machines can reach is refused while the API needs no key, and served with
a warning while the browser needs no login.

Checked in ``qa serve`` before anything loads, so a refusal costs nothing. Left out: where
to listen (``address``), reading the environment (``qa.settings``), checking a request's
bearer token (``api.authorize``, which answers in OpenAI's error JSON), and user accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa.errors import ConfigError
from qa.serve.address import Address, is_loopback
from qa.settings import ServeSettings


@dataclass(frozen=True)
class Access:
    logins: list[tuple[str, str]] | None = None  # Gradio's ``auth``: (user, password) pairs
    api_key: str | None = None  # the bearer token /v1 requests must carry

    @classmethod
    def of(cls, settings: ServeSettings) -> Access:
        """The logins and key the settings ask for; a ConfigError for a malformed login."""
        return cls(parse_auth(settings.auth), settings.api_key or None)


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


def check_exposed(address: Address, access: Access) -> None:
    """ConfigError for an address other machines can reach while the API needs no key."""
    if not is_loopback(address.host) and not access.api_key:
        raise ConfigError(f"Refusing to listen on {address.host} without QA_API_KEY: the API "
                          f"(/v1) would answer anyone who can reach this machine. Set "
                          f"QA_API_KEY to a secret that API clients send as a bearer token "
                          f"(and --auth USER:PASSWORD for the browser), or listen on "
                          f"127.0.0.1.")


def warning(address: Address, access: Access) -> str | None:
    """What to tell the operator about an address others can reach with no browser login."""
    if is_loopback(address.host) or access.logins:
        return None
    return (f"warning: listening on {address.host} without --auth: anyone who can reach "
            f"this machine can read the articles and change the index.")


def api_note(access: Access) -> str:
    """Said after the API's address: who may call it."""
    return "" if access.api_key else " (no key: this machine only)"
