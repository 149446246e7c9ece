"""The webhook checks as pure functions: signatures that are not ASCII or not Base64, envelopes nested
past any real one, replays within the window, and the debounce's rate limit."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

import pytest

from tribe_sync.webhooks import (
    MAX_DEPTH,
    ReplayGuard,
    declared_length,
    next_webhook_run,
    parse_envelope,
    signature_bytes,
    verify_signature,
)

SECRET = "a-webhook-secret-of-32-characters"


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha512).digest()).decode()


@pytest.mark.parametrize("header", ["é" * 88, "\x00", "not base64!", base64.b64encode(b"short").decode(), ""])
def test_a_signature_that_is_not_ascii_base64_of_a_sha512_digest_is_simply_a_bad_one(header: str) -> None:
    assert signature_bytes(header) is None
    assert not verify_signature(SECRET, b"{}", header)


def test_a_signature_with_surrounding_spaces_still_verifies() -> None:
    assert verify_signature(SECRET, b"{}", f"  {sign(b'{}')}\t")


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 10_000, 1_000_000])
def test_an_envelope_nested_deeper_than_any_real_one_is_malformed_not_a_crash(depth: int) -> None:
    body = b'{"webhookId": "w", "payload": ' + b"[" * depth + b"]" * depth + b"}"
    with pytest.raises(ValueError, match="nested too deeply"):
        parse_envelope(body)


def test_a_real_envelope_parses() -> None:
    body = b'{"webhookId": "w", "payload": [{"mutation": "created", "entityId": "x"}]}'
    assert parse_envelope(body)["webhookId"] == "w"


@pytest.mark.parametrize("value", ["12x", "-1", "1e9", " "])
def test_a_content_length_that_is_not_a_number_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="not a number"):
        declared_length(value)


def test_a_body_is_a_replay_within_the_window_and_new_again_after_it() -> None:
    now = [0.0]
    guard = ReplayGuard(window_s=900, clock=lambda: now[0])
    assert guard.first_time(b"a")
    assert not guard.first_time(b"a")
    assert guard.first_time(b"b")
    now[0] = 901.0
    assert guard.first_time(b"a")


def test_the_replay_memory_is_bounded_however_many_distinct_bodies_arrive() -> None:
    guard = ReplayGuard(window_s=900, capacity=3, clock=lambda: 0.0)
    for n in range(100):
        assert guard.first_time(str(n).encode())
    assert len(guard._seen) == 3


def test_webhook_runs_are_debounced_and_at_most_one_per_interval() -> None:
    now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    delay, interval = dt.timedelta(seconds=5), dt.timedelta(seconds=60)
    first = next_webhook_run(now, None, delay, interval)
    assert first == now + delay
    second = next_webhook_run(now + dt.timedelta(seconds=6), first, delay, interval)
    assert second == first + interval, "a flood right after a run waits for the interval"
    later = now + dt.timedelta(hours=1)
    assert next_webhook_run(later, second, delay, interval) == later + delay
