"""Command registry: each handler is registered with the model that validates its frames."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from server.protocol.ws import Command

if TYPE_CHECKING:
    from server.ws.connection import Connection

C = TypeVar("C", bound=Command)
Handler = Callable[["Connection", Any], Awaitable[BaseModel | dict[str, Any] | None]]

HANDLERS: dict[str, tuple[type[Command], Handler]] = {}


def command(model: type[C]) -> Callable[[Callable[[Connection, C], Awaitable[Any]]], Handler]:
    """Register ``handle_<type>`` for frames whose ``type`` is the model's literal."""
    type_name = model.model_fields["type"].annotation.__args__[0]  # type: ignore[union-attr]

    def register(fn: Callable[[Connection, C], Awaitable[Any]]) -> Handler:
        if type_name in HANDLERS:
            raise RuntimeError(f"two handlers for {type_name}")
        HANDLERS[type_name] = (model, fn)
        return fn

    return register
