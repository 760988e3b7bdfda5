"""The reproducers of issue 14 (tests/fuzz/corpus.py): each gets a clear answer in time, nothing else is touched.

Every attack must give one of the exit codes it allows, within its time bound,
with no traceback, no internal error, no raw control character printed, no
directive or markup in a written chart, and every input and device left as it was.
The random campaign over the same categories is `make fuzz` (tests/fuzz/campaign.py).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings

from tests.fuzz.campaign import run_attack, summary_line
from tests.fuzz.corpus import reproducers
from tests.fuzz.mutations import attacks

CORPUS = list(reproducers(slow=bool(os.environ.get("CAREPATH_FUZZ"))))


@pytest.mark.parametrize("attack", CORPUS, ids=[a.name for a in CORPUS])
def test_reproducer_gets_a_clear_answer(attack, tmp_path):
    if os.geteuid() != 0 and "device" in attack.name:
        pytest.skip("making a device node needs root")
    outcome = run_attack(attack, tmp_path)
    assert not outcome.problems, f"{attack.name}: {outcome.problems} (exit {outcome.exit_code})"


def test_every_category_of_the_issue_is_in_the_corpus():
    names = " ".join(a.name for a in CORPUS)
    for needle in ("400 digits", "100,000 deep", "10*400", "batch row", "year of 5,000", "250 defines",
                   "3,000 defines", "import chain 1,500", "[Hg]", "mm[HgHg]", "km999999", "20,000 characters",
                   "NaN", "cannot be created", "10*99999999", "/dev/stdin", "/dev/zero", "importing a FIFO",
                   "duplicate key", "Infinity", "--min-coverage nan", "245 characters", "Mermaid directive",
                   "javascript:", "SVG attribute", "trailing backslash", "title carrying", "escape sequences",
                   "device node", "-o LINK", "fmt LINK", "export G.cpath -o G.cpath", "--junit G",
                   "--batch F -o F", "/etc/passwd", "U+2028"):
        assert needle in names, f"no reproducer for {needle!r}"


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(attack=attacks())
def test_property_random_attacks_get_a_clear_answer(attack, tmp_path):
    outcome = run_attack(attack, tmp_path)
    assert not outcome.problems, f"{attack.name} {attack.argv}: {outcome.problems}\nfiles: {attack.files!r}"[:3000]


def test_the_summary_line_counts_each_category():
    from collections import Counter

    line = summary_line(Counter({"hang": 1, "injection": 2}), 7)
    assert line == ("fuzz campaign: 7 inputs, 0 tracebacks, 0 internal errors, 1 hang, 0 wrong exit codes, "
                    "2 injections")
