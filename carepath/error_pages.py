"""The long explanation of each diagnostic code: `docs/errors/<CODE>.md`.

One place that knows where the pages are, for `carepath explain` and for the help
text of SARIF rules.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent
# An installed wheel carries the pages as `carepath/docs/errors/`; the source tree (and
# an editable install) keeps them in the repository's `docs/errors/`.
ERROR_PAGES = next((folder for folder in (_HERE / "docs" / "errors", _HERE.parent / "docs" / "errors")
                    if folder.is_dir()), _HERE / "docs" / "errors")


def error_page(code: str) -> str | None:
    """The page of `code`, or None when it has none."""
    page = ERROR_PAGES / f"{code}.md"
    return page.read_text(encoding="utf-8") if page.exists() else None
