"""A `Review` → Markdown, self-contained HTML, or JSON: the three forms of the sign-off document.

All three hold the same content in the same order (sections in the guideline's
order, actions in graph order, then assertions, then source coverage), so a
golden test of one and a glance at another agree. Every text from the guideline
(titles, quotes, reasons) is escaped for its notation: Markdown punctuation is
backslash-escaped, HTML is escaped with `html.escape` and the page loads nothing
from outside (styles inline, no script), so a hostile title renders as text.
"""

from __future__ import annotations

import html
import json
import re

from carepath.compiler.units import UnitError, parse_unit
from carepath.targets.review import ActionEntry, AssertionEntry, Citation, Review

_STATUS_WORDS = {"proved": "proved", "fails": "FAILS", "undecided": "not decided in time"}
_MARKDOWN_SPECIAL = re.compile(r"([\\*_\[\]<>#|])")
_CODE_SPAN = re.compile(r"(`[^`\n]+`)")
# A UCUM code with a bracketed atom (`mm[Hg]`, `[lb_av]`, `10*3/[IU]`), as authors write units in titles:
# backslash-escaped brackets show their backslashes in some Markdown viewers, a code span shows the code.
_BRACKETED_UNIT = re.compile(r"(?<![^\s(“\"])(?:[A-Za-z0-9.*/^]*\[[A-Za-z][A-Za-z0-9_]*\])+[A-Za-z0-9.*/^]*(?=$|[\s),;:.”\"])")


def render(review: Review, style: str) -> str:
    return {"markdown": render_markdown, "html": render_html, "json": render_json}[style](review)


# --- Markdown -------------------------------------------------------------------------


def _md(text: str) -> str:
    """Text from the guideline, escaped for Markdown; `code spans` the author wrote are kept as they are,
    and units with bracketed atoms become code spans (`mm[Hg]`) rather than `mm\\[Hg\\]`."""
    parts = _CODE_SPAN.split(_BRACKETED_UNIT.sub(_unit_span, text))
    return "".join(part if index % 2 else _MARKDOWN_SPECIAL.sub(r"\\\1", part).replace("`", "\\`")
                   for index, part in enumerate(parts))


def _unit_span(match: re.Match) -> str:
    code = match.group(0).rstrip(".")
    if not _parses_as_unit(code):
        return match.group(0)
    return f"`{code}`" + match.group(0)[len(code):]


def _parses_as_unit(code: str) -> bool:
    try:
        parse_unit(code)
    except UnitError:
        return False
    return True


def _md_citations(citations: tuple[Citation, ...]) -> str:
    return "; ".join(f"[{_md(c.id)}] {_md(c.title)}" for c in citations) or "none"


def render_markdown(review: Review) -> str:
    lines = [f"# Sign-off review: {_md(review.title)}", "",
             f"Guideline `{review.guideline}`, version {_md(review.version)}. For each action: what it "
             "recommends, on whose authority, and the full condition under which a patient's path "
             "reaches it (every listed line must hold; a fact that is not known makes its line not hold).", ""]
    for section in review.sections:
        lines += [f"## {_md(section.title)}", ""]
        for action in section.actions:
            lines += _md_action(action)
    lines += ["## Assertions", ""]
    if not review.assertions:
        lines += ["The guideline states no assertion.", ""]
    for number, assertion in enumerate(review.assertions, 1):
        lines += _md_assertion(number, assertion)
    if review.coverage is not None:
        lines += _md_coverage(review)
    return "\n".join(lines).rstrip("\n") + "\n"


def _md_action(action: ActionEntry) -> list[str]:
    timing = f", {_md(action.timing)}" if action.timing else ""
    lines = [f"### {_md(action.title)} (`{action.id}`)", "", f"- **Urgency:** {action.urgency}{timing}"]
    if action.doses:
        lines.append("- **Doses:** " + "; ".join(_md(d) for d in action.doses))
    if action.detail:
        lines.append(f"- **Detail:** {_md(action.detail)}")
    lines.append(f"- **Citations:** {_md_citations(action.citations)}")
    lines.append(f"- **Source:** “{_md(action.source)}”" if action.source else "- **Source:** no quote")
    lines += _md_condition(action)
    return lines + [""]


def _md_condition(action: ActionEntry) -> list[str]:
    if not action.reachable:
        return ["- **Recommended:** never: no patient's path reaches this action"]
    if not action.condition:
        return ["- **Recommended:** for every patient"]
    choices = action.choices or ((),) * len(action.condition)
    if len(action.condition) == 1 and not choices[0]:
        return [f"- **Recommended when:** {_md(action.condition[0])}"]
    if len(action.condition) == 1:
        return ["- **Recommended when one of:**", *(f"  - {_md(alternative)}" for alternative in choices[0])]
    lines = ["- **Recommended when all of:**"]
    for line, alternatives in zip(action.condition, choices):
        if alternatives:
            lines += ["  - one of:", *(f"    - {_md(alternative)}" for alternative in alternatives)]
        else:
            lines.append(f"  - {_md(line)}")
    return lines


def _md_assertion(number: int, assertion: AssertionEntry) -> list[str]:
    lines = [f"{number}. **{_md(assertion.label)}**: {_STATUS_WORDS[assertion.status]}",
             f"   - {_md(assertion.statement)}",
             f"   - Citations: {_md_citations(assertion.citations)}"]
    if assertion.source:
        lines.append(f"   - Source: “{_md(assertion.source)}”")
    lines += [f"   - {_md(note)}" for note in assertion.detail]
    return lines


def _md_coverage(review: Review) -> list[str]:
    found = review.coverage
    lines = ["", "## Source document coverage", "",
             f"{found.sentences} sentences: {found.quoted} quoted by the guideline, "
             f"{len(found.explained)} deliberately not encoded, {len(found.unmapped)} unmapped.", ""]
    if found.explained:
        lines += ["### Not encoded, with the reason", ""]
        lines += [f"- “{_md(item.sentence)}”: {_md(item.reason)}" for item in found.explained]
        lines.append("")
    lines += ["### Unmapped sentences", ""]
    lines += [f"- “{_md(sentence)}”" for sentence in found.unmapped] or ["None: every sentence is quoted or explained."]
    if found.unused_quotes:
        lines += ["", "### Quotes found nowhere in the source", ""]
        lines += [f"- “{_md(quote)}”" for quote in found.unused_quotes]
    return lines


# --- HTML -----------------------------------------------------------------------------

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: .2rem; margin-top: 2.5rem; }
.action { border-left: 4px solid #999; padding: .2rem 1rem; margin: 1rem 0; }
.emergent { border-color: #c00; } .urgent { border-color: #d80; } .routine { border-color: #38a; }
.proved { color: #070; } .fails { color: #c00; font-weight: bold; } .undecided { color: #a60; }
blockquote { margin: .3rem 0; padding-left: .8rem; border-left: 3px solid #ddd; color: #444; }
code { background: #f4f4f4; padding: 0 .2rem; }
"""


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def _html_citations(citations: tuple[Citation, ...]) -> str:
    return "; ".join(f"[{_h(c.id)}] {_h(c.title)}" for c in citations) or "none"


def render_html(review: Review) -> str:
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             f"<title>Sign-off review: {_h(review.title)}</title>", f"<style>{_STYLE}</style>", "</head>", "<body>",
             f"<h1>Sign-off review: {_h(review.title)}</h1>",
             f"<p>Guideline <code>{_h(review.guideline)}</code>, version {_h(review.version)}. For each action: "
             "what it recommends, on whose authority, and the full condition under which a patient's path "
             "reaches it (every listed line must hold; a fact that is not known makes its line not hold).</p>"]
    for section in review.sections:
        parts.append(f"<h2>{_h(section.title)}</h2>")
        parts += [_html_action(action) for action in section.actions]
    parts.append("<h2>Assertions</h2>")
    if not review.assertions:
        parts.append("<p>The guideline states no assertion.</p>")
    else:
        parts.append("<ol>")
        parts += [_html_assertion(assertion) for assertion in review.assertions]
        parts.append("</ol>")
    if review.coverage is not None:
        parts += _html_coverage(review)
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _html_action(action: ActionEntry) -> str:
    timing = f", {_h(action.timing)}" if action.timing else ""
    rows = [f"<li><b>Urgency:</b> {_h(action.urgency)}{timing}</li>"]
    if action.doses:
        rows.append("<li><b>Doses:</b> " + "; ".join(_h(d) for d in action.doses) + "</li>")
    if action.detail:
        rows.append(f"<li><b>Detail:</b> {_h(action.detail)}</li>")
    rows.append(f"<li><b>Citations:</b> {_html_citations(action.citations)}</li>")
    rows.append(f"<li><b>Source:</b> <blockquote>{_h(action.source)}</blockquote></li>" if action.source
                else "<li><b>Source:</b> no quote</li>")
    if not action.reachable:
        rows.append("<li><b>Recommended:</b> never: no patient's path reaches this action</li>")
    elif not action.condition:
        rows.append("<li><b>Recommended:</b> for every patient</li>")
    else:
        choices = action.choices or ((),) * len(action.condition)
        items = "".join(f"<li>one of:<ul>{''.join(f'<li>{_h(a)}</li>' for a in alternatives)}</ul></li>"
                        if alternatives else f"<li>{_h(line)}</li>"
                        for line, alternatives in zip(action.condition, choices))
        rows.append(f"<li><b>Recommended when all of:</b><ul>{items}</ul></li>")
    return (f'<div class="action {_h(action.urgency)}"><h3>{_h(action.title)} <code>{_h(action.id)}</code></h3>'
            f"<ul>{''.join(rows)}</ul></div>")


def _html_assertion(assertion: AssertionEntry) -> str:
    rows = [f"<li>{_h(assertion.statement)}</li>", f"<li>Citations: {_html_citations(assertion.citations)}</li>"]
    if assertion.source:
        rows.append(f"<li>Source: <blockquote>{_h(assertion.source)}</blockquote></li>")
    rows += [f"<li>{_h(note)}</li>" for note in assertion.detail]
    return (f'<li><b>{_h(assertion.label)}</b>: <span class="{assertion.status}">'
            f"{_h(_STATUS_WORDS[assertion.status])}</span><ul>{''.join(rows)}</ul></li>")


def _html_coverage(review: Review) -> list[str]:
    found = review.coverage
    parts = ["<h2>Source document coverage</h2>",
             f"<p>{found.sentences} sentences: {found.quoted} quoted by the guideline, "
             f"{len(found.explained)} deliberately not encoded, {len(found.unmapped)} unmapped.</p>"]
    if found.explained:
        parts.append("<h3>Not encoded, with the reason</h3><ul>")
        parts += [f"<li><blockquote>{_h(item.sentence)}</blockquote>{_h(item.reason)}</li>" for item in found.explained]
        parts.append("</ul>")
    parts.append("<h3>Unmapped sentences</h3>")
    if found.unmapped:
        parts += ["<ul>", *(f"<li>{_h(sentence)}</li>" for sentence in found.unmapped), "</ul>"]
    else:
        parts.append("<p>None: every sentence is quoted or explained.</p>")
    if found.unused_quotes:
        parts += ["<h3>Quotes found nowhere in the source</h3>", "<ul>",
                  *(f"<li>{_h(quote)}</li>" for quote in found.unused_quotes), "</ul>"]
    return parts


# --- JSON -----------------------------------------------------------------------------


def render_json(review: Review) -> str:
    def citations(items: tuple[Citation, ...]) -> list[dict]:
        return [{"id": c.id, "title": c.title} for c in items]

    document = {
        "format": "carepath.review/1",
        "guideline": review.guideline, "title": review.title, "version": review.version,
        "sections": [{"id": s.id, "title": s.title, "actions": [
            {"id": a.id, "title": a.title, "urgency": a.urgency, "timing": a.timing, "doses": list(a.doses),
             "detail": a.detail, "citations": citations(a.citations), "source": a.source,
             "reachable": a.reachable, "condition": list(a.condition)} for a in s.actions]}
            for s in review.sections],
        "assertions": [{"label": a.label, "statement": a.statement, "citations": citations(a.citations),
                        "source": a.source, "status": a.status, "detail": list(a.detail)}
                       for a in review.assertions],
        "coverage": None if review.coverage is None else {
            "sentences": review.coverage.sentences, "quoted": review.coverage.quoted,
            "not_encoded": [{"sentence": e.sentence, "reason": e.reason} for e in review.coverage.explained],
            "unmapped": list(review.coverage.unmapped),
            "unused_quotes": list(review.coverage.unused_quotes)},
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
