"""The sandbox's one exception: an OData error answered with Tribe's status and error body."""

from __future__ import annotations

__all__ = ["ODataError"]


class ODataError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, dict[str, str]]:
        return {"error": {"code": self.code, "message": self.message}}
