"""A value typed wrong on the command line is said in our words, not pydantic's.

Typer checks option and argument types with pydantic and shows its first error as it is: "Input
should be a valid integer, unable to parse string as an integer", "Value error, 'lezer' is not one of
…". `plain_bad_values` wraps every parameter once the app is composed, so that such an error reads
"'abc' is not a whole number" or "'lezer' is not one of viewer, approver, admin" under click's own
"Invalid value for '--role':", still a usage error (exit 2).

Staff read Dutch: under the staff commands (`STAFF_GROUPS`) `staff_usage_in_dutch` says any bad value
as one Dutch line on stderr, `--org: geen organisatie …`, without click's English "Usage: …" and
"Invalid value for" around it; still exit 2. So are the other slips of typing: an option that does not
exist, an option without its value, a word too many, a command that does not exist. The commands' own
messages there are written in Dutch.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from enum import Enum
from typing import Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text

from tribe_sync.cli.examples import walk

__all__ = ["STAFF_GROUPS", "plain_bad_values", "plain_message", "staff_usage_in_dutch"]

# The command groups staff use (the others are for operators, who read English).
STAFF_GROUPS = frozenset({"requests", "months", "forecasts", "accountability", "plans", "processor"})
# An argument as staff call it (the usage line shows its name in capitals: NUMBER, PLAN_ID).
_ARGUMENT_WORDS = {"number": "ordernummer", "month": "maand", "plan_id": "plannummer", "file": "bestand"}

_VALUE_ERROR = re.compile(r"^Value error, ")


def plain_message(
    error: ValidationError,
    value: object,
    choices: tuple[str, ...] = (),
    bounds: tuple[object, object] | None = None,
    *,
    dutch: bool = False,
) -> str:
    """Pydantic's first error about `value`, in a sentence a person reads; `choices` the allowed
    values when the parameter has a closed set, `bounds` its declared (min, max); `dutch` for staff."""
    first = error.errors()[0]
    kind, limits = first["type"], first.get("ctx") or {}
    shown = repr(value) if isinstance(value, str) else str(value)
    words = _DUTCH if dutch else _ENGLISH
    if choices and kind in ("enum", "value_error", "literal_error"):
        return words["choices"].format(shown=shown, choices=", ".join(choices))
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return words["int"].format(shown=shown)
    if kind in ("float_parsing", "float_type"):
        return words["float"].format(shown=shown)
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        low, high = bounds if bounds else (limits.get("ge"), limits.get("le"))
        if low is not None and high is not None:
            return words["outside"].format(value=value, low=low, high=high)
        if low is not None:
            return words["small"].format(value=value, low=low)
        return words["large"].format(value=value, high=high)
    if kind == "value_error" and isinstance(limits.get("error"), Exception):
        return str(limits["error"]).rstrip(".")
    return _VALUE_ERROR.sub("", str(first["msg"])).rstrip(".")


_ENGLISH = {
    "choices": "{shown} is not one of {choices}",
    "int": "{shown} is not a whole number",
    "float": "{shown} is not a number",
    "outside": "{value} is outside {low} to {high}",
    "small": "{value} is too small: give at least {low}",
    "large": "{value} is too large: give at most {high}",
}
_DUTCH = {
    "choices": "{shown} kan niet; kies uit {choices}",
    "int": "{shown} is geen geheel getal",
    "float": "{shown} is geen getal",
    "outside": "{value} kan niet; geef {low} tot en met {high}",
    "small": "{value} is te klein; geef minstens {low}",
    "large": "{value} is te groot; geef hoogstens {high}",
}


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
            message = plain_message(
                cause, shown, _choices(param), bounds if any(bounds) else None, dutch=_for_staff(ctx)
            )
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


def _for_staff(ctx: Any) -> bool:
    """Whether the command being parsed is one of the staff commands."""
    words = str(getattr(ctx, "command_path", "")).split()
    return len(words) > 1 and words[1] in STAFF_GROUPS


def staff_usage_in_dutch(root: Any, err: Console) -> Any:
    """Make every command under `STAFF_GROUPS` say a bad value on the command line (click's
    BadParameter, raised while parsing or by the command) as one Dutch line on `err`, exit 2."""
    for path, command in walk(root):
        if path.split()[:1] and path.split()[0] in STAFF_GROUPS:
            command.parse_args = _in_dutch(command.parse_args, err)
            command.invoke = _in_dutch(command.invoke, err)  # a group's: the command it can't find
    return root


def _in_dutch(step: Callable[..., Any], err: Console) -> Callable[..., Any]:
    @functools.wraps(step)
    def checked(ctx: Any, *args: Any) -> Any:
        try:
            return step(ctx, *args)
        except typer.BadParameter as exc:
            err.print(Text.assemble(("fout: ", "red"), _dutch_line(exc, ctx)))
            raise typer.Exit(2) from None
        except Exception as exc:  # click's other usage errors, told by name (typer may vendor click)
            line = _dutch_slip(exc, ctx)
            if line is None:
                raise
            err.print(Text.assemble(("fout: ", "red"), line))
            raise typer.Exit(2) from None

    return checked


_EXTRA = re.compile(r"^Got unexpected extra argument(?:s|\(s\))? \((?P<words>.*)\)$")
_NO_COMMAND = re.compile(r"^No such command '(?P<name>.*?)'")


def _dutch_slip(exc: Exception, ctx: Any) -> str | None:
    """A usage error other than a bad value, in one Dutch line; None for one we have no words for
    (and for "no arguments: show the help", which is not an error)."""
    kinds = {kind.__name__ for kind in type(exc).__mro__}
    if "UsageError" not in kinds or "NoArgsIsHelpError" in kinds:
        return None
    where = f"`{ctx.command_path} --help` toont wat er kan"
    message = str(getattr(exc, "message", ""))
    if "NoSuchOption" in kinds:
        guesses = sorted(getattr(exc, "possibilities", None) or ())
        guess = f" (bedoelt u {' of '.join(guesses)}?)" if guesses else ""
        return f"{exc.option_name} bestaat niet bij {ctx.command_path}{guess}; {where}"  # type: ignore[attr-defined]
    if "BadOptionUsage" in kinds and "requires an argument" in message:
        return f"{exc.option_name} heeft een waarde nodig; {where}"  # type: ignore[attr-defined]
    if extra := _EXTRA.match(message):
        return f"{extra['words']} hoort hier niet; {where}"
    if missing := _NO_COMMAND.match(message):
        commands = ", ".join(sorted(getattr(ctx.command, "commands", {}) or ()))
        return f"'{missing['name']}' is geen opdracht van {ctx.command_path}; kies uit {commands}"
    return None


def _dutch_line(exc: typer.BadParameter, ctx: Any) -> str:
    """`--org: geen organisatie …`: the option (or argument) and the message; a missing one said so."""
    hint = exc.param_hint
    if hint is None and exc.param is not None:
        param = exc.param
        hint = param.name.upper() if param.param_type_name == "argument" else param.opts[0]
    if isinstance(hint, (list, tuple)):
        hint = " / ".join(str(h) for h in hint)
    hint = str(hint).strip("'\"") if hint else None
    hint = _ARGUMENT_WORDS.get(hint.lower(), hint) if hint else None
    # click's MissingParameter, by name: typer vendors click in some versions and not in others.
    if any(kind.__name__ == "MissingParameter" for kind in type(exc).__mro__):
        return f"{hint or 'een waarde'} ontbreekt; `{ctx.command_path} --help` toont wat er kan"
    return f"{hint}: {exc.message}" if hint else exc.message
