"""The edge's failure messages read as sentences."""

from __future__ import annotations

from tribe_sync.errors import TokenError
from tribe_sync.failures import describe_failure


def test_a_token_refusal_whose_description_ends_in_a_full_stop_is_not_followed_by_a_second_one() -> None:
    refused = TokenError(
        "invalid_client", "Client authentication failed.", status=401, url="https://tribe.example/token"
    )
    failure = describe_failure(refused, None)
    assert failure.exit_code == 2
    assert "invalid_client: Client authentication failed. Check " in failure.message
    assert ".." not in failure.message
