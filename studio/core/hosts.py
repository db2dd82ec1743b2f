"""Which hosts are this machine or its network: pages may reach public servers only."""

from __future__ import annotations

import ipaddress

# Host names that always mean "this machine" or "this network", whatever DNS says.
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".lan")


def is_local_host(host: str) -> bool:
    """True for loopback, private, link-local and other non-public hosts.

    A preview with the network switched on may reach public https servers (CDNs) only;
    services on the user's own machine or network stay out of reach.
    """
    name = host.strip().strip("[]").rstrip(".").lower()
    if not name:
        return True
    if name == "localhost" or name.endswith(_LOCAL_SUFFIXES):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        # A dotless name is resolved against the local search domain, never a public CDN.
        return "." not in name
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast
