"""Accessibility basics checked in the browser: labelled inputs, headings in order, keyboard reach."""

from __future__ import annotations

from pathlib import Path
from typing import Any

_AUDIT = (Path(__file__).parent / "a11y.js").read_text()


def audit(page: Any) -> list[str]:
    result: list[str] = page.evaluate(_AUDIT)
    return result


def tab_reaches(page: Any, selector: str, limit: int = 80) -> bool:
    """Whether pressing Tab from the top of the page gives `selector` the focus (and Enter could act)."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    target = page.locator(selector).first.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(el) => document.activeElement === el", target):
            return True
    return False
