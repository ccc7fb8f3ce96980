"""Find the address phones on the same network can reach this laptop at, without sending any traffic."""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import socket
import struct

SIOCGIFADDR = 0x8915
_SKIP_PREFIXES = ("lo", "docker", "veth", "br-", "virbr", "tun", "tap")


def _interface_address(name: str) -> str | None:
    """The IPv4 address of one network interface (Linux), or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            packed = fcntl.ioctl(probe.fileno(), SIOCGIFADDR, struct.pack("256s", name[:15].encode()))
        except OSError:
            return None
    return socket.inet_ntoa(packed[20:24])


def lan_address() -> str:
    """The first private IPv4 address of a real interface, else the host name's, else 127.0.0.1."""
    candidates: list[str] = []
    try:
        names = [name for _, name in socket.if_nameindex() if not name.startswith(_SKIP_PREFIXES)]
        candidates.extend(address for name in names if (address := _interface_address(name)))
    except OSError:
        pass
    with contextlib.suppress(OSError):
        candidates.extend(str(info[4][0]) for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET))
    for address in candidates:
        ip = ipaddress.ip_address(address)
        if not ip.is_loopback and not ip.is_link_local:
            return address
    return "127.0.0.1"
