"""Errors of the account flows that are not network errors."""

from __future__ import annotations


class NotRemembered(Exception):
    """There is no remembered sign-in for this account (or the keyring lost it)."""

    def __init__(self, server_id: str, username: str) -> None:
        super().__init__(f"no remembered sign-in for {username} on {server_id}")
        self.server_id = server_id
        self.username = username


class UnknownServer(Exception):
    """The server id is not in the list of known servers."""

    def __init__(self, server_id: str) -> None:
        super().__init__(f"unknown server {server_id}")
        self.server_id = server_id
