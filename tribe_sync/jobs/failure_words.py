"""A change that could not be written, in staff's words: what failed, for which record, why in plain
Dutch and what to do. The exception's own text (a URL, a status line) stays in `--json` and the logs
for the operator; staff read this."""

from __future__ import annotations

from tribe_sync.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    HandoffError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TokenError,
    TransportError,
    UnprocessableEntityError,
    WaitTooLongError,
)

__all__ = ["write_failure_nl"]

_RETRY = "de volgende run probeert het opnieuw"

# Most specific first: (exception type, why in plain Dutch, what to do).
_WORDS: tuple[tuple[type[BaseException], str, str], ...] = (
    (
        PermissionDeniedError,
        "Tribe weigerde de wijziging: de koppeling van tribe_sync heeft geen recht dit record te wijzigen",
        f"vraag de beheerder van Tribe de rechten van de API-koppeling na te kijken; {_RETRY}",
    ),
    (
        AuthenticationError,
        "Tribe herkende de koppeling van tribe_sync niet (inloggen mislukt)",
        "vraag de beheerder crm.client_id en crm.client_secret na te kijken",
    ),
    (
        TokenError,
        "Tribe herkende de koppeling van tribe_sync niet (inloggen mislukt)",
        "vraag de beheerder crm.client_id en crm.client_secret na te kijken",
    ),
    (
        NotFoundError,
        "het record bestaat niet (meer) in Tribe",
        "zoek het op in Tribe; is het verwijderd, dan hoeft er niets te gebeuren",
    ),
    (
        ConflictError,
        "iemand anders wijzigde het record op hetzelfde moment",
        f"niets; {_RETRY}",
    ),
    (
        BadRequestError,
        "Tribe keurde de nieuwe waarde af",
        "kijk het record na in Tribe; blijft het, meld het de beheerder",
    ),
    (
        UnprocessableEntityError,
        "Tribe keurde de nieuwe waarde af",
        "kijk het record na in Tribe; blijft het, meld het de beheerder",
    ),
    (RateLimitError, "Tribe kreeg te veel verzoeken tegelijk", f"niets; {_RETRY}"),
    (WaitTooLongError, "Tribe vroeg te lang te wachten", f"niets; {_RETRY}"),
    (
        ServerError,
        "Tribe had een storing",
        f"niets; {_RETRY}; blijft het, meld het de beheerder",
    ),
    (
        TransportError,
        "Tribe was niet bereikbaar",
        f"niets; {_RETRY}; blijft het, meld het de beheerder",
    ),
    (
        HandoffError,
        "het bestand voor de verwerker kon niet worden geschreven",
        f"vraag de beheerder de map programme.outbox_dir na te kijken (ruimte, rechten); {_RETRY}",
    ),
)


def write_failure_nl(exc: BaseException, what: str) -> str:
    """`AD2026-00137 (Wacht op toekenning → Verwerking bestelling) is niet doorgevoerd: Tribe weigerde
    ...; wat te doen: ...`. `what` names the change as staff know it."""
    for kind, why, todo in _WORDS:
        if isinstance(exc, kind):
            return f"{what} is niet doorgevoerd: {why}. Wat te doen: {todo}."
    return f"{what} is niet doorgevoerd door een onverwachte fout. Wat te doen: meld het de beheerder."
