"""Where a test's own services listen: free loopback ports and the URLs they make."""

from __future__ import annotations

from dataclasses import dataclass, field

from deploy.postgres import free_port


@dataclass(kw_only=True)
class Loopback:
    """The command and query services' ports (free ones unless given) and base URLs."""

    command_port: int = field(default_factory=free_port)
    query_port: int = field(default_factory=free_port)

    @property
    def command_url(self) -> str:
        return f"http://127.0.0.1:{self.command_port}"

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.query_port}"
