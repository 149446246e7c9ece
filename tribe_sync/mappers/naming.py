"""Problems named as staff know their records. A record that does not map often says what it is
about only by reference (a forecast by its organisation's ID); the name is in another set, read in the
same snapshot or held by the read model. Pure: the caller passes what it has read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from tribe_sync.domain.problems import Problem

__all__ = ["name_problems"]


def name_problems(
    problems: Iterable[Problem],
    organisations: Mapping[str, str],
    requests: Mapping[str, tuple[str, str]],
) -> list[Problem]:
    """Problems named as staff know their records, from what was read alongside them: a forecast's or a
    contact's organisation by name, an accountability report's request by order number and
    organisation, a request by its order number. `organisations` maps an organisation's ID to its name,
    `requests` a request's ID to its order number and organisation ID. Pure: nothing is looked up."""
    named = []
    for found in problems:
        context = dict(found.context)
        request = requests.get(str(context.get("request_id") or ""))
        if found.entity == "request" and found.record_id is not None and found.record_id in requests:
            request = requests[found.record_id]
        if request is not None:
            context.setdefault("order_number", request[0])
            context.setdefault("organisation_id", request[1])
        organisation = organisations.get(str(context.get("organisation_id") or ""))
        if organisation and not context.get("organisation"):
            context["organisation"] = organisation
        named.append(found if context == found.context else replace(found, context=context))
    return named
