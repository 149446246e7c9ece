from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.cassettes import scrubber
from tribe_sync.recording import Recorder, load_cassette

R = "_45ac16b9__c20d__4c21__8f8a__7abff2e91ac7"  # the request's phone field


def serve(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/oauth2/token":
        return httpx.Response(200, json={"access_token": "eyJ.real.token", "expires_in": 60})
    return httpx.Response(
        200,
        json={
            "value": [
                {
                    "ID": "1",
                    "FirstName": "Fatima",
                    "EmailAddress": "f@real.nl",
                    R: "06-12345678",
                    "Postalcode": "1012 AB",
                    "Code": "LAPTOP",
                }
            ]
        },
    )


def test_the_recorder_keeps_no_secret_and_pseudonymises_personal_data_both_ways(tmp_path: Path) -> None:
    recorder = Recorder(httpx.MockTransport(serve), scrubber())
    with httpx.Client(transport=recorder, base_url="https://crm.test") as http:
        http.post(
            "/oauth2/token",
            data={"grant_type": "client_credentials", "client_id": "app", "client_secret": "very-secret"},
        )
        http.get("/v1/odata/Set", headers={"Authorization": "Bearer eyJ.real.token"})
        http.post("/v1/odata/Set", json={"LastName": "Yilmaz", "Code": "X"})
    recorder.save(tmp_path / "c.json")
    text = (tmp_path / "c.json").read_text()
    for secret in ("very-secret", "eyJ.real.token", "Fatima", "f@real.nl", "06-12345678", "Yilmaz", "Bearer"):
        assert secret not in text
    token, read, write = load_cassette(tmp_path / "c.json")
    assert "client_secret=%5Bsecret%5D" in token.body
    assert token.response["access_token"] == "[token]"
    row = read.response["value"][0]
    assert row["Code"] == "LAPTOP", "what is not personal stays as it was"
    assert row["FirstName"].startswith("Name-")
    assert row["EmailAddress"].endswith("@example.org")
    assert row[R].startswith("020-555")
    assert row["Postalcode"] != "1012 AB"
    assert write.body["LastName"].startswith("Name-")


def test_pseudonyms_are_stable_and_keep_validity() -> None:
    s = scrubber()
    assert s.pseudonym("name", "Anna") == s.pseudonym("name", "Anna") != s.pseudonym("name", "Anne")
    assert s.pseudonym("postcode", "1234AB")[-2:].isalpha()
    assert s.pseudonym("postcode", "0123 SS").startswith("0"), "an invalid postcode stays invalid"
    assert s.pseudonym("phone", "bel ons").startswith("Phone-")
    assert s.pseudonym("email", "nope@").startswith("Email-")
    assert json.dumps(s.scrub({"a": [{"City": "Utrecht"}]})).count("City-") == 1
