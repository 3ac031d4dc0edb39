"""Where a service hook may deliver: Sentry's rule for outgoing requests, and the mock itself.

Sentry checks every address a hook's host resolves to against ``SENTRY_DISALLOWED_IPS`` when it
delivers (``sentry.net.socket.safe_create_connection``: one disallowed address spoils the whole
lookup), and connects only to an address it checked; a hook's URL is only checked for its shape
when the hook is created (DRF's ``URLField``). The mock does the same, refusing:

- **link-local addresses** (169.254.0.0/16, fe80::/10), where cloud metadata services answer
  with credentials;
- **cloud metadata services** wherever they are (169.254.169.254, fd00:ec2::254, Alibaba's
  100.100.100.200, Azure's 168.63.129.16, ...), by address and by name
  (``metadata.google.internal``, ...);
- addresses no receiver can have (0.0.0.0/8 but 0.0.0.0, multicast, reserved, broadcast);
- **the mock's own server**: the address and port it listens on (:meth:`Destinations.add_own`),
  and, when it listens on every interface, any address of this machine with that port, so that
  a delivery can never call its admin API (``/__admin/reset``).

Unlike Sentry's list, loopback (127.0.0.0/8, ::1) and private networks are allowed: the receiver
a test or a developer runs is on this machine or next to it (another container). An IPv4 address
inside an IPv6 one (``::ffff:169.254.169.254``, NAT64, 6to4) is checked as the IPv4 address.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

IP = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
    }
)
"""Host names of cloud metadata services, refused before they are resolved."""

METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, DigitalOcean, Oracle, OpenStack...
        "169.254.170.2",  # AWS ECS task metadata and credentials
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure's WireServer
        "192.0.0.192",  # Oracle Cloud (classic)
    )
)
"""Addresses of cloud metadata services (link-local or not)."""

LINK_LOCAL = (ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("fe80::/10"))
UNREACHABLE = (
    ipaddress.ip_network("0.0.0.0/8"),  # "this network": only 0.0.0.0 itself means this host
    ipaddress.ip_network("224.0.0.0/4"),  # multicast
    ipaddress.ip_network("240.0.0.0/4"),  # reserved, and the broadcast address
    ipaddress.ip_network("ff00::/8"),  # IPv6 multicast
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class Refused(Exception):
    """A delivery the mock refuses to send: the reason, for the delivery's record."""


@dataclass(frozen=True, slots=True)
class Address:
    """One checked address to connect to: ``socket.socket(family)`` then ``connect(sockaddr)``."""

    family: socket.AddressFamily
    sockaddr: tuple[Any, ...]  # (host, port) or, for IPv6, (host, port, flowinfo, scope_id)


def check_name(host: str) -> None:
    """Refuse a metadata service's host name, before it is resolved.

    :raises Refused: naming the service.
    """
    if host.lower().rstrip(".") in METADATA_HOSTS:
        raise Refused(f"refused: {host} is a cloud metadata service")


def reason_to_refuse(ip: IP) -> str | None:
    """Why no delivery may go to ``ip`` (whatever its port), or ``None``."""
    for candidate in (ip, _embedded_ipv4(ip)):
        if candidate is None:
            continue
        if candidate in METADATA_ADDRESSES:
            return "a cloud metadata service"
        if any(candidate in net for net in LINK_LOCAL):
            return "a link-local address (where cloud metadata services answer)"
        if any(candidate in net for net in UNREACHABLE) and not candidate.is_unspecified:
            return "an address no receiver can have (multicast, reserved or broadcast)"
    return None


class Destinations:
    """The addresses the mock itself listens on, and the check of each delivery against them
    and against :func:`reason_to_refuse`. Thread-safe."""

    def __init__(self) -> None:
        self._own: set[tuple[IP, int]] = set()
        self._lock = threading.Lock()

    def add_own(self, sockaddr: Sequence[object]) -> None:
        """The mock now listens on ``sockaddr`` (``socket.getsockname()``: host, port, ...)."""
        with self._lock:
            self._own.add(_own_key(sockaddr))

    def remove_own(self, sockaddr: Sequence[object]) -> None:
        """The mock no longer listens on ``sockaddr``."""
        with self._lock:
            self._own.discard(_own_key(sockaddr))

    def own(self) -> list[tuple[str, int]]:
        """Where the mock listens, as ``(address, port)``."""
        with self._lock:
            return sorted((str(ip), port) for ip, port in self._own)

    def check(self, host: str, addresses: Sequence[Address]) -> None:
        """Refuse the delivery if any address ``host`` resolved to is refused (Sentry: "one bad
        apple spoils the lookup") or is the mock's own server.

        :raises Refused: with the address and why.
        """
        with self._lock:
            own = list(self._own)
        for address in addresses:
            ip = _ip(address.sockaddr[0])
            port = address.sockaddr[1]
            shown = host if _literal(host) == ip else f"{host} ({ip})"
            why = reason_to_refuse(ip)
            if why is not None:
                raise Refused(f"refused: {shown} is {why}")
            if any(_reaches(ip, port, own_ip, own_port) for own_ip, own_port in own):
                raise Refused(
                    f"refused: {shown} port {port} is this mock server itself (a delivery must "
                    "never reach its admin API)"
                )


def _ip(text: str) -> IP:
    # getaddrinfo writes an IPv6 zone as "fe80::1%eth0"; the zone does not change the check.
    return ipaddress.ip_address(text.partition("%")[0])


def _literal(host: str) -> IP | None:
    """The address a host written as an IP address is, else ``None``."""
    try:
        return _ip(host)
    except ValueError:
        return None


def _own_key(sockaddr: Sequence[object]) -> tuple[IP, int]:
    ip = _ip(str(sockaddr[0]))
    port = sockaddr[1]
    if not isinstance(port, int):
        raise TypeError(f"not a socket address: {sockaddr!r}")
    return _embedded_ipv4(ip) or ip, port


def _embedded_ipv4(ip: IP) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, NAT64, 6to4), or ``None``."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def _reaches(ip: IP, port: int, own_ip: IP, own_port: int) -> bool:
    """Whether a connection to ``ip:port`` would reach a server listening on ``own``."""
    if port != own_port:
        return False
    target = _embedded_ipv4(ip) or ip
    if target.is_unspecified:
        # Connecting to 0.0.0.0 or :: reaches this host's loopback.
        target = ipaddress.ip_address("127.0.0.1" if target.version == 4 else "::1")
    if own_ip.is_unspecified:
        # Listening on every interface (and, for ::, on IPv4 too unless V6ONLY).
        return (own_ip.version == 6 or target.version == own_ip.version) and _is_local(target)
    return target == own_ip


def _is_local(ip: IP) -> bool:
    """Whether ``ip`` is an address of this machine: it can be bound to."""
    if ip.is_loopback:
        return True
    family = socket.AF_INET if ip.version == 4 else socket.AF_INET6
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind((str(ip), 0))
    except OSError:
        return False
    return True
