"""ssl-off: a server reachable over the network with SSL turned off."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs
from pgsage.checks.security.refs import is_local_address, setting_ref, split_list
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.settings import SetSetting
from pgsage.fixes.steps import Comment, Steps
from pgsage.model import Finding, Severity


class SslOff(Check):
    id = "ssl-off"
    category = "security"
    severity = Severity.WARNING
    title = "SSL off on a network-facing server"
    requires_sections = ("settings",)
    docs = CheckDocs(
        problem="`ssl = off` while `listen_addresses` includes an address other than loopback "
        "(`*`, `0.0.0.0`, a network interface). A server that only listens on "
        "localhost or Unix sockets is not reported: its traffic never leaves the host, "
        "so SSL would protect nothing there.",
        why="Without SSL, passwords exchanged by weaker methods, every query and every result "
        "cross the network in clear text, readable and alterable by anyone on the path; "
        "clients also cannot verify that they talk to the right server.",
        fix="Install a certificate and key (ssl_cert_file, ssl_key_file), ALTER SYSTEM SET ssl "
        "= on and reload; then require it with hostssl lines in pg_hba.conf and "
        "sslmode=verify-full on the clients.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        ssl = snapshot.setting("ssl")
        listen = snapshot.setting("listen_addresses")
        if ssl is None or listen is None or ssl == "on":
            return []
        exposed = [a for a in split_list(listen) if not is_local_address(a)]
        if not exposed:
            return []
        return [
            self.finding(
                setting_ref("ssl"),
                f"ssl is off while the server listens on {', '.join(exposed)} "
                f"(listen_addresses = '{listen}'): connections cross the network unencrypted",
                evidence={"ssl": ssl, "listen_addresses": listen, "non_local_addresses": exposed},
                recommendation="Turn SSL on with a certificate and require it in pg_hba.conf "
                "(hostssl), or listen on localhost only if no remote client "
                "needs the server.",
                fix=Steps(
                    (
                        Comment(
                            "after installing server.crt and server.key in the data directory:"
                        ),
                        SetSetting(name="ssl", value=True),
                    )
                ),
            )
        ]
