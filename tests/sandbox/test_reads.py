from __future__ import annotations

import httpx
import pytest

from tribe_sync.sandbox import tenant as t

pytestmark = pytest.mark.sandbox  # a live sandbox server on loopback (not in make test-fast)

SO = "/v1/odata/Activity_SalesOrder"


def rows(response: httpx.Response) -> list[dict]:  # type: ignore[type-arg]
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@odata.context"].startswith("$metadata#OData.")
    return body["value"]  # type: ignore[no-any-return]


def test_a_page_never_holds_more_than_100_rows_whatever_top_asks(api: httpx.Client) -> None:
    assert len(rows(api.get(f"{SO}?$top=1000"))) == 100
    assert len(rows(api.get(f"{SO}?$top=7"))) == 7
    assert len(rows(api.get(SO))) == 100


def test_skip_and_a_stable_order_page_through_every_record_once(api: httpx.Client) -> None:
    total = int(api.get(f"{SO}/$count").text)
    seen = []
    for skip in range(0, total + 100, 100):
        seen += [r["ID"] for r in rows(api.get(f"{SO}?$select=Number&$orderby=ID&$top=100&$skip={skip}"))]
    assert len(seen) == len(set(seen)) == total == 180


def test_filters_over_single_navigations_and_functions(api: httpx.Client) -> None:
    waiting = rows(
        api.get(f"{SO}?$filter=Phase/Code%20eq%20'WACHT_OP_TOEKENNING'&$expand=Phase($select=Code)")
    )
    assert waiting
    assert {r["Phase"]["Code"] for r in waiting} == {"WACHT_OP_TOEKENNING"}
    found = rows(
        api.get(f"{SO}?$filter=startswith(Number,'ad2026')%20and%20not%20(Number%20eq%20null)&$top=3")
    )
    assert len(found) == 3, "startswith is case-insensitive"


def test_dates_compare_as_dates(api: httpx.Client) -> None:
    late = rows(api.get(f"{SO}?$filter=CreationDate%20ge%202026-11-01T00:00:00Z&$select=CreationDate"))
    assert late
    assert all(r["CreationDate"] >= "2026-11-01" for r in late)


def test_a_plus_sign_is_read_literally_not_as_a_space(api: httpx.Client) -> None:
    assert rows(api.get(f"{SO}?$filter=Number%20eq%20'a+b'")) == []
    assert api.get(f"{SO}?$filter=Number+eq+'x'").status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "$filter=Number%20in%20('a','b')",
        "$filter=Nope%20eq%201",
        "$filter=Number%20eq",
        "$select=Nope",
        "$expand=Number",
        "$filter=ProductLines/Quantity%20gt%201",
        "$top=-1",
        "$orderby=Number%20sideways",
    ],
)
def test_queries_tribe_cannot_answer_are_400_with_an_odata_error(api: httpx.Client, query: str) -> None:
    response = api.get(f"{SO}?{query}")
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message"}


def test_expand_nests_and_unexpanded_navigations_are_absent(api: httpx.Client) -> None:
    expand = (
        f"ProductLines($select=Quantity;$expand=Product($select=Code)),{t.R_MONTH}($select=Code),"
        f"{t.R_AGE}($select=Code),Contact($select=ID)"
    )
    (row,) = rows(api.get(f"{SO}?$select=Number&$expand={expand}&$top=1"))
    assert row["ProductLines"][0]["Product"]["Code"] == "LAPTOP"
    assert len(row[t.R_MONTH]["Code"]) == 7
    assert all("Code" in a for a in row[t.R_AGE])
    assert "Phase" not in row
    assert set(row) == {"ID", "Number", "ProductLines", t.R_MONTH, t.R_AGE, "Contact"}


def test_one_record_by_id_and_the_errors_for_unknown_ones(api: httpx.Client) -> None:
    (first,) = rows(api.get(f"{SO}?$top=1"))
    assert api.get(f"{SO}({first['ID']})").json()["Number"] == first["Number"]
    missing = api.get(f"{SO}(00000000-0000-4000-8000-000000000000)")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NotFound"
    assert api.get("/v1/odata/NoSuchSet").status_code == 404


def test_metadata_describes_every_set_of_the_tenant(api: httpx.Client) -> None:
    xml = api.get("/v1/odata/$metadata").text
    for name in t.SETS:
        assert f'EntitySet Name="{name}"' in xml


def test_the_data_holds_every_status_and_some_deliberately_broken_records(api: httpx.Client) -> None:
    codes = {r["Phase"]["Code"] for r in rows(api.get(f"{SO}?$expand=Phase($select=Code)&$top=100"))}
    total = set()
    for skip in (0, 100):
        total |= {r["Phase"]["Code"] for r in rows(api.get(f"{SO}?$expand=Phase&$top=100&$skip={skip}"))}
    assert codes <= total
    assert total >= {
        "WACHT_OP_TOEKENNING",
        "VERWERKING_BESTELLING",
        "AANVRAAG_NAAR_VERWERKER",
        "IN_AFWACHTING_LEVERDATUM",
        "GESLOTEN",
        "ONBEKEND_OUD",
    }
    assert rows(api.get(f"{SO}?$filter={t.R_POSTCODE}%20eq%20'0123%20SS'"))


def test_count_true_adds_the_total_to_the_page(api: httpx.Client) -> None:
    body = api.get(f"{SO}?$top=5&$count=true").json()
    assert body["@odata.count"] == 180
    assert len(body["value"]) == 5
    assert "@odata.count" not in api.get(f"{SO}?$top=5").json()


def test_an_or_chain_of_ids_or_numbers_finds_exactly_those_records_whatever_their_case(
    api: httpx.Client,
) -> None:
    some = rows(api.get(f"{SO}?$select=Number&$orderby=ID&$top=5"))
    ids = [r["ID"] for r in some]
    chain = "%20or%20".join(f"ID%20eq%20{i.upper()}" for i in [*ids, "00000000-0000-0000-0000-000000000001"])
    found = rows(api.get(f"{SO}?$filter=({chain})&$select=Number&$orderby=ID"))
    assert [r["ID"] for r in found] == ids, "an ID that is not there is simply not found"
    numbers = "%20or%20".join(f"Number%20eq%20'{r['Number']}'" for r in some[:3])
    assert {r["ID"] for r in rows(api.get(f"{SO}?$filter=({numbers})&$select=Number"))} == set(ids[:3])
    narrowed = rows(api.get(f"{SO}?$filter=({chain})%20and%20Number%20eq%20'{some[0]['Number']}'"))
    assert [r["ID"] for r in narrowed] == [ids[0]], "a chain inside a larger filter still filters"
