"""What the security checks share: object references for roles, settings and pg_hba.conf
lines, and which addresses stay on the host."""

from __future__ import annotations

import ipaddress

from pgsage.model import ObjectRef

HOST_RULE_TYPES = frozenset({"host", "hostssl", "hostnossl", "hostgssenc", "hostnogssenc"})
_LOCAL_NAMES = frozenset({"localhost", "samehost"})


def role_ref(name: str) -> ObjectRef:
    return ObjectRef("role", "", name)


def setting_ref(name: str) -> ObjectRef:
    return ObjectRef("setting", "", name)


def hba_ref(line_number: int | None) -> ObjectRef:
    return ObjectRef("hba_rule", "", f"pg_hba.conf line {line_number}")


def is_local_address(address: str | None) -> bool:
    """Whether an address (listen_addresses entry, pg_hba.conf address) stays on this host:
    loopback, localhost, samehost, or nothing at all (Unix sockets only)."""
    if address is None:
        return True
    text = address.strip().lower()
    if text in ("", *_LOCAL_NAMES):
        return True
    try:
        return ipaddress.ip_address(text.split("/")[0]).is_loopback
    except ValueError:
        return False  # *, all, samenet, a host name, a network


def split_list(text: str) -> list[str]:
    """``"a, b,c"`` -> ``["a", "b", "c"]`` (parameters given as comma-separated names)."""
    return [item.strip() for item in text.split(",") if item.strip()]
