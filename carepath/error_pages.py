"""The long explanation of each diagnostic code: `docs/errors/<CODE>.md`.

One place that knows where the pages are, for `carepath explain` and for the help
text of SARIF rules.
"""

from __future__ import annotations

from pathlib import Path

ERROR_PAGES = Path(__file__).resolve().parents[1] / "docs" / "errors"


def error_page(code: str) -> str | None:
    """The page of `code`, or None when it has none."""
    page = ERROR_PAGES / f"{code}.md"
    return page.read_text(encoding="utf-8") if page.exists() else None
