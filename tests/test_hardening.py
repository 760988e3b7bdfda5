"""The input and output boundaries of issue 14, one layer at a time.

The end-to-end reproducers are in tests/test_fuzz_corpus.py; these pin the pieces:
the strict JSON reader, the bounded file reader, the output writer, the terminal
escaping and the unit layer.
"""

from __future__ import annotations

import os
import stat
from fractions import Fraction

import pytest

from carepath.files import OutputRefused, write_atomically
from carepath.compiler import units
from carepath.compiler.jsonread import JsonReadError, nesting_depth, read_json
from carepath.compiler.reading import read_text
from carepath.compiler.terminal import escape_controls


def problems(text: str, **options) -> list[tuple[str, str]]:
    with pytest.raises(JsonReadError) as caught:
        read_json(text, **options)
    return [(p.kind, p.path) for p in caught.value.problems]


def test_numbers_are_read_exactly():
    assert read_json('{"a": 0.1, "b": 7, "c": -2.50e1}') == {"a": Fraction(1, 10), "b": 7, "c": Fraction(-25)}
    assert read_json("[0.1]", exact=False) == [0.1]


def test_every_problem_of_a_document_is_listed_with_its_path():
    found = problems('{"a": NaN, "b": {"c": 1, "c": 2}, "d": [1, 1e400], "e f": -Infinity}')
    assert found == [("not a finite number", "$.a"), ("duplicate key", "$.b.c"),
                     ("number out of bounds", "$.d[1]"), ("not a finite number", '$["e f"]')]


@pytest.mark.parametrize("text", ["[" * 100_000, '{"a":' * 100_000, "[" * 401 + "]" * 401])
def test_deep_nesting_is_refused_before_decoding(text):
    assert problems(text) == [("nested too deeply", "$")]


def test_nesting_depth_skips_brackets_inside_strings():
    assert nesting_depth('["[[[[", {"a": "]]]"}]') == 2
    assert read_json('"' + "[" * 1000 + '"') == "[" * 1000


def test_long_numbers_and_huge_exponents_are_refused_quickly():
    assert problems("1" * 101) == [("number out of bounds", "$")]
    assert problems("1e999999999") == [("number out of bounds", "$")]
    assert read_json("1e299") == 10**299


def test_oversize_documents_are_refused():
    assert problems("[" + "1," * 100 + "1]", limit=100) == [("too large", "$")]


def test_a_file_read_stops_at_its_limit(tmp_path):
    big = tmp_path / "big.json"
    big.write_text("x" * 101)
    with pytest.raises(OSError, match="larger than 100 bytes"):
        read_text(big, 100)
    with pytest.raises(OSError, match="larger than"):
        read_text("/dev/zero", 1000)


def test_a_named_file_must_be_regular_and_a_fifo_is_not_waited_for(tmp_path):
    fifo = tmp_path / "pipe.cpath"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="a FIFO"):
        read_text(fifo, 1000, regular_only=True)
    with pytest.raises(IsADirectoryError):
        read_text(tmp_path, 1000)


def test_the_writer_writes_through_a_symlink(tmp_path):
    (tmp_path / "real.json").write_text("old")
    (tmp_path / "link.json").symlink_to("real.json")
    assert write_atomically(tmp_path / "link.json", "new") == tmp_path / "real.json"
    assert (tmp_path / "link.json").is_symlink() and (tmp_path / "real.json").read_text() == "new"


def test_the_writer_refuses_its_inputs_by_any_name(tmp_path):
    source = tmp_path / "g.cpath"
    source.write_text("guideline")
    (tmp_path / "alias.cpath").symlink_to("g.cpath")
    os.link(source, tmp_path / "hard.cpath")
    for target in ("g.cpath", "alias.cpath", "hard.cpath"):
        with pytest.raises(OutputRefused, match="which this command reads"):
            write_atomically(tmp_path / target, "x", inputs=[source])
    assert source.read_text() == "guideline"


def test_the_writer_refuses_directories_fifos_and_devices(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(OutputRefused, match="is a directory"):
        write_atomically(tmp_path, "x")
    with pytest.raises(OutputRefused, match="a FIFO"):
        write_atomically(tmp_path / "pipe", "x")
    assert stat.S_ISFIFO(os.stat(tmp_path / "pipe").st_mode)
    if os.geteuid() == 0:
        os.mknod(tmp_path / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
        with pytest.raises(OutputRefused, match="a device"):
            write_atomically(tmp_path / "null", "x")
        assert stat.S_ISCHR(os.stat(tmp_path / "null").st_mode)


def test_the_writer_allows_the_longest_name_the_file_system_allows(tmp_path):
    longest = os.pathconf(tmp_path, "PC_NAME_MAX")
    name = "a" * (longest - 5) + ".json"
    write_atomically(tmp_path / name, "{}")
    assert (tmp_path / name).read_text() == "{}"


def test_control_characters_are_shown_escaped():
    assert escape_controls("a\x1b[2J\x07b\u202ec\n\td") == "a\\x1b[2J\\x07b\\u202ec\n\td"


@pytest.mark.parametrize("code", ["[Hg]", "mm[HgHg]", "km999999", "10*400", "10*99999999", "m" * 20_000, "10*-999"])
def test_strange_units_are_unit_errors_never_crashes(code):
    with pytest.raises(units.UnitError):
        units.conversion_factor(code, "mm[Hg]")
