"""Server addresses as people and invite links write them: ``host:port``, IPv6 in brackets."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

DEFAULT_PORT = 8443

# A host name: labels of letters, digits and hyphens (IDN already in its ASCII or Unicode form;
# the resolver deals with it). Anything with spaces, slashes or '@' is not a host.
_HOSTNAME = re.compile(r"^[^\s/@?#\[\]:]{1,253}$")


class InvalidAddress(ValueError):
    """The text is not a usable ``host:port``."""


@dataclass(frozen=True, slots=True)
class Address:
    """Where a server listens.

    Attributes:
        host: a host name, an IPv4 address or an IPv6 address (without brackets).
        port: the TCP port.
    """

    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """``https://host:port``, the root the API paths hang from."""
        return f"https://{self}"


def parse_address(text: str, default_port: int = DEFAULT_PORT) -> Address:
    """Reads ``host``, ``host:port``, ``[v6]`` or ``[v6]:port`` (surrounding spaces ignored).

    Args:
        text: what was typed or found in a link.
        default_port: used when the text names no port.

    Returns:
        The address.

    Raises:
        InvalidAddress: the text is empty, has a bad port, or an IPv6 address without brackets.
    """
    text = text.strip()
    if text.lower().startswith("https://"):
        text = text[len("https://") :].rstrip("/")
    if not text:
        raise InvalidAddress("empty address")
    port_text: str | None = None
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep:
            raise InvalidAddress(f"unclosed bracket in {text!r}")
        if rest:
            if not rest.startswith(":"):
                raise InvalidAddress(f"junk after the address in {text!r}")
            port_text = rest[1:]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise InvalidAddress(f"{host!r} in brackets is not an IPv6 address") from None
    else:
        if text.count(":") > 1:
            raise InvalidAddress(f"an IPv6 address needs brackets: [{text}]")
        host, sep, port_text_or_empty = text.partition(":")
        port_text = port_text_or_empty if sep else None
        if not _HOSTNAME.fullmatch(host):
            raise InvalidAddress(f"{host!r} is not a host name or address")
    port = default_port
    if port_text is not None:
        if not port_text.isascii() or not port_text.isdigit():
            raise InvalidAddress(f"the port {port_text!r} is not a number")
        port = int(port_text)
        if not 1 <= port <= 65535:
            raise InvalidAddress(f"the port {port} is out of range")
    return Address(host=host, port=port)
