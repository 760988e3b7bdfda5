"""Source coverage: a source document and a graph's quotes → the sentences nothing quotes.

The source text is split into sentences: each non-empty line, cut after `.`, `?`
or `!` followed by a space; list bullets are dropped, and fragments without a
letter (the citation numbers trailing a sentence, such as `1` or `2, 1`) are not
sentences. Quotes and sentences are compared after normalising: runs of
whitespace become one space, curly quotes and apostrophes become straight ones,
and the ends are trimmed. A sentence is *quoted* when a `source` clause (of a
node, a define or an assertion) lies within it, a quote being allowed to be a
part of a sentence, or when it lies within a quote (one quote may span several
sentences). A sentence that only a `not encoded` item quotes is *explained*:
listed with its reason. Every other sentence is *unmapped*.
"""

from __future__ import annotations

import re

from attrs import frozen

from carepath.compiler import ir

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "\u00a0": " "})
_BULLET = re.compile(r"^\s*(?:[•·▪◦*-]|\d+[.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")


@frozen
class Explained:
    sentence: str
    reason: str


@frozen
class Coverage:
    sentences: int  # how many sentences the source has
    quoted: int  # how many of them a `source` clause quotes
    explained: tuple[Explained, ...]  # quoted only by a `not encoded` item
    unmapped: tuple[str, ...]  # quoted by nothing: each one needs a `source` or a `not encoded`
    unused_quotes: tuple[str, ...]  # quotes that match no sentence of the source (a typo, or another text)


def normalize(text: str) -> str:
    return " ".join(text.translate(_QUOTES).split())


def sentences(text: str) -> list[str]:
    """The sentences of a source document, in order, each normalised."""
    found: list[str] = []
    for line in text.splitlines():
        line = _BULLET.sub("", normalize(line))
        for piece in _SENTENCE_END.split(line):
            piece = piece.strip()
            if any(character.isalpha() for character in piece):
                found.append(piece)
    return found


def quotes(graph: ir.Graph) -> list[str]:
    """Every `source` quote of the graph: nodes, then defines, then assertions."""
    items = [*graph.nodes, *graph.defines, *graph.assertions]
    return [item.source for item in items if item.source]


def coverage(graph: ir.Graph, source_text: str) -> Coverage:
    found = sentences(source_text)
    quoted_texts = [normalize(q) for q in quotes(graph)]
    reasons = [(normalize(item.quote), item.reason) for item in graph.not_encoded]
    quoted = 0
    explained: list[Explained] = []
    unmapped: list[str] = []
    for sentence in found:
        if any(_matches(q, sentence) for q in quoted_texts):
            quoted += 1
            continue
        reason = next((r for q, r in reasons if _matches(q, sentence)), None)
        if reason is not None:
            explained.append(Explained(sentence, reason))
        else:
            unmapped.append(sentence)
    every_quote = dict.fromkeys(quoted_texts + [q for q, _ in reasons])
    unused = tuple(q for q in every_quote if not any(_matches(q, s) for s in found))
    return Coverage(len(found), quoted, tuple(explained), tuple(unmapped), unused)


def _matches(quote: str, sentence: str) -> bool:
    return bool(quote) and (quote in sentence or sentence in quote)
