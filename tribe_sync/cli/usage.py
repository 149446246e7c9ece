"""A value typed wrong on the command line is said in our words, not pydantic's.

Typer checks option and argument types with pydantic and shows its first error as it is: "Input
should be a valid integer, unable to parse string as an integer", "Value error, 'lezer' is not one of
…". `plain_bad_values` wraps every parameter once the app is composed, so that such an error reads
"'abc' is not a whole number" or "'lezer' is not one of viewer, approver, admin" under click's own
"Invalid value for '--role':", still a usage error (exit 2).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from enum import Enum
from typing import Any

from pydantic import ValidationError

from tribe_sync.cli.examples import walk

__all__ = ["plain_bad_values", "plain_message"]

_VALUE_ERROR = re.compile(r"^Value error, ")


def plain_message(
    error: ValidationError,
    value: object,
    choices: tuple[str, ...] = (),
    bounds: tuple[object, object] | None = None,
) -> str:
    """Pydantic's first error about `value`, in a sentence a person reads; `choices` the allowed
    values when the parameter has a closed set, `bounds` its declared (min, max)."""
    first = error.errors()[0]
    kind, limits = first["type"], first.get("ctx") or {}
    shown = repr(value) if isinstance(value, str) else str(value)
    if choices and kind in ("enum", "value_error", "literal_error"):
        return f"{shown} is not one of {', '.join(choices)}"
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return f"{shown} is not a whole number"
    if kind in ("float_parsing", "float_type"):
        return f"{shown} is not a number"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        low, high = bounds if bounds else (limits.get("ge"), limits.get("le"))
        if low is not None and high is not None:
            return f"{value} is outside {low} to {high}"
        if low is not None:
            return f"{value} is too small: give at least {low}"
        return f"{value} is too large: give at most {high}"
    if kind == "value_error" and isinstance(limits.get("error"), Exception):
        return str(limits["error"]).rstrip(".")
    return _VALUE_ERROR.sub("", str(first["msg"])).rstrip(".")


def plain_bad_values(root: Any) -> Any:
    """Give every parameter of every command under `root` plain messages for badly typed values."""
    for _, command in walk(root):
        for param in command.params:
            param.process_value = _plain(param, param.process_value)
    return root


def _plain(param: Any, process_value: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    @functools.wraps(process_value)
    def process(ctx: Any, value: Any) -> Any:
        try:
            return process_value(ctx, value)
        except Exception as exc:  # typer carries its own click: its BadParameter, told by its cause
            cause = exc.__cause__
            if not isinstance(cause, ValidationError) or not hasattr(exc, "param"):
                raise
            shown = value[-1] if isinstance(value, (list, tuple)) and value else value
            bounds = (getattr(param, "min", None), getattr(param, "max", None))
            message = plain_message(cause, shown, _choices(param), bounds if any(bounds) else None)
            # An argument is named as its usage line shows it (PLAN_ID), an option by its flag.
            hint = param.name.upper() if param.param_type_name == "argument" else None
            bad_parameter: Any = type(exc)
            raise bad_parameter(message, ctx=ctx, param=param, param_hint=hint) from None

    return process


def _choices(param: Any) -> tuple[str, ...]:
    """The allowed values of an enum-typed parameter (typer keeps the annotation it was built from)."""
    kind = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return tuple(str(member.value) for member in kind)
    return ()
