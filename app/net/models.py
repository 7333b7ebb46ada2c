"""Reading server answers into the shared protocol models, tolerating fields added later.

The shared models forbid unknown fields (right for requests the server receives), but the
protocol asks clients to ignore response fields they do not know (docs/protocol.md section 2),
so a newer server can add a field without breaking this app. Answers are pruned to the known
fields, recursively, before validation.
"""

from __future__ import annotations

import types
from typing import Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from app.net.errors import ApiError, BadResponse
from server.protocol.errors import ErrorCode

M = TypeVar("M", bound=BaseModel)


def parse_model(model: type[M], data: object) -> M:
    """Validates an answer against a protocol model, ignoring unknown fields.

    Raises:
        BadResponse: a known field is missing or has the wrong type.
    """
    try:
        return model.model_validate(_known_only(model, data))
    except ValidationError as exc:
        raise BadResponse(f"the server's answer is not a valid {model.__name__}: {exc}") from exc


def _known_only(model: type[BaseModel], data: object) -> object:
    if not isinstance(data, dict):
        return data
    out: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key in data:
            out[key] = _prune(field.annotation, data[key])
    return out


def _prune(annotation: Any, value: object) -> object:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _known_only(annotation, value)
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is list and args and isinstance(value, list):
        return [_prune(args[0], item) for item in value]
    if origin in (Union, types.UnionType) and isinstance(value, dict):
        for arg in args:
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                return _known_only(arg, value)
    return value


def build_request(model: type[M], **fields: Any) -> M:
    """A request model from user input, checked here as the server would check it.

    Raises:
        ApiError: ``invalid_request`` with status 0 (refused before sending) and the same
            ``details`` shape the server uses, so one explanation serves both.
    """
    try:
        return model(**fields)
    except ValidationError as exc:
        details: list[dict[str, object]] = [
            {"field": ".".join(str(p) for p in err["loc"]), "problem": err["msg"]}
            for err in exc.errors()
        ]
        raise ApiError(
            ErrorCode.INVALID_REQUEST,
            "; ".join(f"{d['field']}: {d['problem']}" for d in details),
            0,
            details=details,
        ) from None
