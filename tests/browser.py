"""A real browser for the viewer page: Playwright driving Debian's Chromium.

`make setup` installs the `playwright` Python package (the driver) and the `chromium`
Debian package (the browser); Playwright's own browser download is never used, so
nothing is fetched at test time. `open_browser()` starts Chromium headless with the
flags that keep it off the network; `fill_facts` enters a patient's facts through the
page's form the way a user does: clicking radio buttons, choosing from lists, typing.
"""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
# axe-core's options (a JS object): the WCAG 2.1 A and AA rules; every violation in full, but
# passes and incomplete checks with one node each, which spares axe gathering their details
# (a third of its time on the viewer's chart).
AXE_OPTIONS = "{runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']}"


def missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if importlib.util.find_spec("playwright") is None:  # found, not imported: every worker asks, few drive a browser
        return "the `playwright` package is not installed (make setup installs it)"
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        return f"Chromium is not at {CHROMIUM} (make setup installs Debian's `chromium`)"
    return None


@contextlib.contextmanager
def open_browser() -> Iterator[Any]:
    """A headless Chromium (a Playwright `Browser`), closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser: Any, path: Path, **context_options: Any) -> Any:
    """The page at `path` in a fresh context, once its script has run."""
    return _load(browser.new_context(**context_options).new_page(), path.resolve().as_uri())


def _load(page: Any, url: str) -> Any:
    """`page` navigated to `url`, once the viewer's script has run (it marks the body ready)."""
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")
    return page


# A phone-sized tab with the page's Content-Security-Policy off: for axe-core, injected as a
# script of our own (the policy would refuse it), and for the test that the page's escaping
# alone keeps hostile markup inert. The phone's width is the narrower layout, where overflow
# and target sizes bite.
PHONE_WITHOUT_POLICY = {"bypass_csp": True, "viewport": {"width": 390, "height": 900}}


class Tabs:
    """One browser tab per set of context options, each `open` loading a page afresh in it.

    A new context and tab cost Chromium about three times the CPU of loading the page
    again in a tab it already has (a renderer process to start, the page's script to
    compile), and the browser tests open the viewer a dozen times. Each `open` is a
    new document all the same: a distinct URL (a `?load=N` query the page ignores), so
    nothing is carried over, not even the form values Chromium restores on a reload.
    A test that adds a listener to the tab removes it before it ends.
    """

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.tabs: dict[str, Any] = {}
        self.loads = 0

    def open(self, path: Path, **context_options: Any) -> Any:
        key = repr(sorted(context_options.items()))
        page = self.tabs.get(key)
        if page is None or page.is_closed():
            page = self.tabs[key] = self.browser.new_context(**context_options).new_page()
        self.loads += 1
        return _load(page, f"{path.resolve().as_uri()}?load={self.loads}")


def fill_facts(page: Any, graph: Any, facts: Mapping[str, Any], *, shown: Mapping[str, Any] | None = None) -> None:
    """Enter `facts` (as a facts file holds them) through the form, as a keyboard user would.

    A radio button is focused and chosen with Space, a list's option is chosen, a
    number is typed key by key into its box (mouse clicks cost Playwright three times
    as long, and other tests click).

    `shown` is what the form holds now (empty when None): only the facts that differ
    are entered, and a fact the form holds but `facts` lacks is set back to unknown,
    the way a clinician corrects a form rather than clearing it.

    The form's field for the guideline's i-th input has the id `fact-i`; its radio
    buttons are `fact-i-0`, `fact-i-1`, … in the order of the choices (Yes, No for a
    boolean), then Unknown.
    """
    shown = shown or {}
    names = [input_.name for input_ in graph.inputs]
    for name in [n for n in names if n in facts or n in shown]:
        value = facts.get(name)
        if name in shown and value == shown[name]:
            continue
        index = names.index(name)
        field = f"#fact-{index}"
        type_ = graph.inputs[index].type
        if type_.kind == "enum" and page.locator(f"select{field}").count():
            page.locator(field).focus()
            page.select_option(field, "" if value is None else value)
        elif type_.kind in ("boolean", "enum"):
            choices = [True, False] if type_.kind == "boolean" else list(type_.members)
            page.press(f"{field}-{len(choices) if value is None else choices.index(value)}", "Space")
        else:
            number, unit = (value["value"], value["unit"]) if isinstance(value, dict) else (value, None)
            page.press(field, "Control+A")
            if value is None:
                page.keyboard.press("Delete")
                continue
            page.keyboard.type(str(number))
            if unit is not None:
                page.select_option(f"{field}-unit", unit)


# The action ids and the input names asked for, as the page lists them top to bottom (a JS expression).
SHOWN = """[[...document.querySelectorAll("[data-action-id]")].map(i => i.dataset.actionId),
            [...document.querySelectorAll("#questions [data-input]")].map(i => i.dataset.input)]"""


def shown_actions_and_questions(page: Any) -> tuple[list[str], list[str]]:
    """The action ids the page lists and the input names it asks for next, in one call to the page."""
    actions, questions = page.evaluate(f"() => {SHOWN}")
    return actions, questions


def shown_actions(page: Any) -> list[str]:
    """The action ids the page lists, top to bottom."""
    return shown_actions_and_questions(page)[0]


def shown_questions(page: Any) -> list[str]:
    """The input names the page asks for next, top to bottom."""
    return shown_actions_and_questions(page)[1]


def load_every_scenario(page: Any) -> list[tuple[list[str], list[str]]]:
    """Each line of the scenario list chosen and loaded in turn (the "(choose a scenario)" line first),
    by the list's and the button's own events, in one call: what the page shows after each
    (`shown_actions_and_questions`)."""
    shown = page.evaluate(f"""() => {{
      const select = document.getElementById("scenario-select"), load = document.getElementById("scenario-load");
      return [...select.options].map((option) => {{
        select.value = option.value;
        select.dispatchEvent(new Event("change", {{bubbles: true}}));
        load.click();
        return {SHOWN};
      }});
    }}""")
    return [(actions, questions) for actions, questions in shown]


def load_facts_file(page: Any, path: Path) -> None:
    """Choose a facts file in the page's file picker and wait until the page has read it."""
    page.set_input_files("#facts-file", str(path))
    page.wait_for_function(
        "name => document.getElementById('loaded').textContent.includes(name)", arg=path.name
    )


def load_bundle(page: Any, path: Path) -> None:
    """Choose a FHIR Bundle in the page's file picker and wait until the page has read it."""
    page.set_input_files("#fhir-file", str(path))
    page.wait_for_function(
        "name => document.getElementById('loaded').textContent.includes(name)", arg=path.name
    )
