from __future__ import annotations

from tribe_sync import errors
from tribe_sync.errors import APIStatusError, status_error_class


def test_the_public_error_surface_is_pinned() -> None:
    assert sorted(errors.__all__) == sorted(
        [
            "APIStatusError",
            "AuthenticationError",
            "BadRequestError",
            "CRMConnectionError",
            "CRMError",
            "CRMTimeoutError",
            "CRMUnreachableError",
            "ConfigError",
            "ConflictError",
            "HandoffError",
            "InterruptedRun",
            "LockHeldError",
            "NotFoundError",
            "PermissionDeniedError",
            "PlanError",
            "PlanRefused",
            "RateLimitError",
            "ResponseValidationError",
            "ServerError",
            "StoreAccessError",
            "StoreError",
            "StoreSchemaError",
            "TokenError",
            "TransportError",
            "TribeSyncError",
            "UnprocessableEntityError",
            "UserError",
            "WaitTooLongError",
            "status_error_class",
        ]
    )


def test_every_class_in_the_tree_is_drawn_in_the_docstring() -> None:
    for name in errors.__all__:
        if name[0].isupper():
            assert name in (errors.__doc__ or ""), name


def test_each_status_family_has_its_own_class() -> None:
    expected = {
        400: "BadRequestError",
        401: "AuthenticationError",
        403: "PermissionDeniedError",
        404: "NotFoundError",
        409: "ConflictError",
        422: "UnprocessableEntityError",
        429: "RateLimitError",
        500: "ServerError",
        503: "ServerError",
        418: "APIStatusError",
    }
    assert {code: status_error_class(code).__name__ for code in expected} == expected
    assert all(issubclass(status_error_class(code), APIStatusError) for code in expected)
