"""Screenshots of the viewer page for `examples/` (`make examples`): `python -m tests.viewer_screenshots PAGE FACTS OUT_DIR`.

Opens PAGE (written by `carepath export --format html`) in headless Chromium, loads
the patient's FACTS file through the page's file picker, and writes
`viewer.png` (the page as a clinician sees it) and `viewer_print.png` (its print
view: one patient's summary) into OUT_DIR.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests import browser


def main(page_path: str, facts_path: str, out_dir: str) -> int:
    problem = browser.missing()
    if problem is not None:
        print(f"cannot take the viewer's screenshots: {problem}", file=sys.stderr)
        return 2
    out = Path(out_dir)
    with browser.open_browser() as chromium:
        page = browser.open_page(chromium, Path(page_path), viewport={"width": 1280, "height": 1000})
        browser.load_facts_file(page, Path(facts_path))
        page.screenshot(path=str(out / "viewer.png"))
        page.emulate_media(media="print")
        page.screenshot(path=str(out / "viewer_print.png"), full_page=True)
    print(f"wrote {out / 'viewer.png'} and {out / 'viewer_print.png'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
