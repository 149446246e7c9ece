"""A value typed wrong says which option, what is wrong and what is allowed: in our words, not
pydantic's ("Input should be …", "Value error, …"), exit 2."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Cli


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("runs", "show", "x1"), "Invalid value for RUN_ID: 'x1' is not a whole number"),
        (
            ("users", "add", "piet", "--role", "lezer", "--password-stdin"),
            "Invalid value for '--role': 'lezer' is not one of viewer, approver, admin",
        ),
        (("runs", "list", "--limit", "0"), "Invalid value for '--limit': 0 is too small: give at least 1"),
        (("console", "--port", "70000"), "Invalid value for '--port': 70000 is outside 0 to 65535"),
        (("demo", "--days", "many"), "Invalid value for '--days': 'many' is not a whole number"),
    ],
)
def test_a_badly_typed_value_is_one_plain_message_naming_the_option(
    cli: Cli, args: tuple[str, ...], said: str
) -> None:
    result = cli(*args)
    assert result.code == 2
    err = " ".join(result.err.replace("│", " ").split())
    assert said in err
    for leak in ("Input should", "Value error", "pydantic", "Traceback"):
        assert leak not in err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("plans", "show", "abc"), "fout: plannummer: 'abc' is geen geheel getal"),
        (("requests", "show"), "fout: ordernummer ontbreekt"),
        (("processor", "import"), "fout: bestand ontbreekt"),
        (
            ("processor", "import", "bestaat-niet.csv"),
            "fout: bestand: bestaat-niet.csv is niet te lezen (dat bestand is er niet)",
        ),
        (("accountability", "report", "--csv", "--json"), "fout: --csv: kies --json of --csv, niet allebei"),
        (
            ("forecasts", "list", "--state", "FOO"),
            "fout: --state: 'FOO' is geen stand van een prognose; kies uit telt, vervangen, te laat",
        ),
        (("forecasts", "list", "--quarter", "5"), "fout: --quarter: 5 kan niet; geef 1 tot en met 4"),
        (("requests", "list", "--limit", "0"), "fout: --limit: 0 is te klein; geef minstens 1"),
        (
            ("months", "close", "2026-13", "--reason", "vol"),
            "fout: '2026-13' is geen maand; schrijf JJJJ-MM of maand en jaar, bijvoorbeeld 2027-01 of "
            "januari 2027",
        ),
        (("months", "close", "2026-12"), "fout: --reason ontbreekt"),
    ],
)
def test_a_staff_command_says_a_bad_value_in_one_dutch_line_without_clicks_english(
    cli: Cli, args: tuple[str, ...], said: str
) -> None:
    said_in_one_dutch_line(cli, args, said)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ("requests", "list", "--sttus", "x"),
            "fout: --sttus bestaat niet bij tribe-sync requests list (bedoelt u --status?); "
            "`tribe-sync requests list --help` toont wat er kan",
        ),
        (
            ("requests", "list", "--limit"),
            "fout: --limit heeft een waarde nodig; `tribe-sync requests list --help` toont wat er kan",
        ),
        (
            ("months", "list", "december", "2026"),
            "fout: december 2026 hoort hier niet; `tribe-sync months list --help` toont wat er kan",
        ),
        (
            ("processor", "import", "x.csv", "--dryrun"),
            "fout: --dryrun bestaat niet bij tribe-sync processor import (bedoelt u --dry-run?); ",
        ),
        (
            ("requests", "lijst"),
            "fout: 'lijst' is geen opdracht van tribe-sync requests; kies uit list, show",
        ),
    ],
)
def test_a_staff_command_says_a_typing_slip_in_one_dutch_line_with_where_to_look(
    cli: Cli, args: tuple[str, ...], said: str
) -> None:
    said_in_one_dutch_line(cli, args, said)


def test_a_staff_group_without_a_command_still_shows_its_help(cli: Cli) -> None:
    result = cli("months")
    shown = result.out + result.err
    assert result.code == 2
    assert all(command in shown for command in ("list", "close", "open"))
    assert "fout:" not in shown


CLICKS_ENGLISH = ("Invalid value", "Usage:", "Error", "Try ", "Missing", "No such", "requires", "unexpected")


def said_in_one_dutch_line(cli: Cli, args: tuple[str, ...], said: str) -> None:
    """`args` fail as a usage error (exit 2, nothing on stdout) with `said` on stderr and none of
    click's English around it."""
    result = cli(*args)
    assert result.code == 2
    assert result.out == ""
    err = " ".join(result.err.split())
    assert said in err
    for english in CLICKS_ENGLISH:
        assert english not in err
