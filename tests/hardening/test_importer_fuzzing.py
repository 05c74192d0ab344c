"""Property-based fuzzing of the importers: hostile or malformed input is refused clearly.

Each importer must either accept its input or refuse it with its own error type (whose
message names the file and what is wrong), never crash with another exception, and
never write part of a refused input.
"""

import copy
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exam_engine.cli import cli
from item_bank.items.files import ITEM_FIELDS, FileProblem, ItemFileError, check_item
from item_bank.items.services import BANK_FOLDER, load_bank
from item_bank.qti.safety import UnsafePackage, read_file
from item_bank.qti.services import import_package
from item_bank.taxonomy.specification import DATA_DIR, NotASpecificationError, parse_specification
from item_bank.taxonomy.specification.corrections import CorrectionsError
from tests.hardening.counts import table_counts

FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
UNIT_FOLDER = "Y-506-2152"
REAL_ITEM_FILE = BANK_FOLDER / UNIT_FOLDER / "AC1.1.yaml"
SPECIFICATION = DATA_DIR / "000_75073d9252edddf0.txt"

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    st.text(max_size=30), st.sampled_from(["", " ", "AC1.1", "A", "live", "single_best_answer"]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=10) | st.sampled_from(sorted(ITEM_FIELDS)), inner,
                                        max_size=4), max_leaves=12)


def _real_entry() -> dict:
    return yaml.safe_load(REAL_ITEM_FILE.read_text(encoding="utf-8"))["items"][0]


REAL_ENTRY = _real_entry()


@settings(FUZZ, max_examples=300)
@given(changes=st.dictionaries(st.sampled_from(sorted(ITEM_FIELDS | {"extra"})), values, min_size=1, max_size=4),
       dropped=st.sets(st.sampled_from(sorted(ITEM_FIELDS)), max_size=3))
def test_a_mangled_item_entry_is_refused_field_by_field(changes, dropped):
    entry = copy.deepcopy(REAL_ENTRY)
    entry.update(changes)
    for name in dropped:
        entry.pop(name, None)
    problems: list[FileProblem] = []
    spec = check_item("unit/AC1.1.yaml", "Y/506/2152", "AC1.1", 1, entry, problems)
    assert (spec is None) == bool(problems)
    for problem in problems:
        assert str(problem).startswith("unit/AC1.1.yaml") and problem.message


def _refused_folder(app, root: Path) -> str:
    before = table_counts()
    with pytest.raises(ItemFileError) as refusal:
        load_bank(root)
    assert table_counts() == before
    assert refusal.value.problems
    return str(refusal.value)


@FUZZ
@given(document=values | st.text(max_size=200))
def test_random_item_files_are_refused_with_nothing_written(app, tmp_path_factory, document):
    root = tmp_path_factory.mktemp("bank")
    (root / UNIT_FOLDER).mkdir()
    (root / UNIT_FOLDER / "AC1.1.yaml").write_text(
        document if isinstance(document, str) else yaml.safe_dump(document), encoding="utf-8")
    message = _refused_folder(app, root)
    assert "AC1.1.yaml" in message


@pytest.mark.parametrize("content", [
    b"\xff\xfe\x00garbage",
    b"!!python/object/apply:os.system ['echo pwned']",
    b"unit: !!python/name:os.system\n",
    b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    b"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
    b"unit: Y/506/2152\ncriterion: AC1.1\nitems: [*f]\n",
    b"unit: Y/506/2152\ncriterion: AC1.1\nitems:\n  - " + b"[" * 5000 + b"]" * 5000 + b"\n",
], ids=["not-utf8", "python-object", "python-name", "alias-bomb", "deep-nesting"])
def test_hostile_item_files_are_refused_with_nothing_written(app, tmp_path, content):
    (tmp_path / UNIT_FOLDER).mkdir()
    (tmp_path / UNIT_FOLDER / "AC1.1.yaml").write_bytes(content)
    assert "AC1.1.yaml" in _refused_folder(app, tmp_path)


SPECIFICATION_LINES = SPECIFICATION.read_text(encoding="utf-8").splitlines()


@settings(FUZZ, max_examples=25)
@given(start=st.integers(0, len(SPECIFICATION_LINES)), length=st.integers(0, 3000),
       noise=st.lists(st.tuples(st.integers(0, 3000), st.text(max_size=80)), max_size=20))
def test_a_damaged_specification_parses_or_is_refused_clearly(tmp_path_factory, start, length, noise):
    lines = SPECIFICATION_LINES[start:start + length]
    for position, text in noise:
        lines.insert(min(position, len(lines)), text)
    path = tmp_path_factory.mktemp("spec") / "damaged.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    try:
        specification = parse_specification(path)
    except (NotASpecificationError, CorrectionsError) as refusal:
        assert "damaged.txt" in str(refusal)
    else:
        assert specification.units


@pytest.mark.parametrize("content", [
    b"", b"\x00\x01\x02" * 1000, "plain words\n".encode("utf-16"), b"PK\x03\x04 not a specification",
    b"Pearson BTEC Level 3\nUnit 2: Understand\n" + b"x" * 200_000,
], ids=["empty", "binary", "utf-16", "zip-header", "long-line"])
def test_import_spec_refuses_non_specifications_and_writes_nothing(app, tmp_path, content):
    path = tmp_path / "upload.txt"
    path.write_bytes(content)
    before = table_counts()
    result: Result = app.test_cli_runner().invoke(cli, ["import-spec", str(path)])
    assert result.exit_code == 1, result.output
    assert "upload.txt" in result.output and "nothing was imported" in result.output
    assert table_counts() == before


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in dict(members).items():
            archive.writestr(name, data)
    return out.getvalue()


member_names = st.sampled_from(["imsmanifest.xml", "items/a.xml", "a.xml", "../x.xml", "/abs.xml", "dir/"]) \
    | st.text(min_size=1, max_size=20)
xml_bodies = st.sampled_from([b"", b"<", b"<manifest/>", b"<assessmentItem/>", b"<?xml version='1.0'?><a>",
                              b"<!DOCTYPE x [<!ENTITY e 'e'>]><x>&e;</x>"]) | st.binary(max_size=200)


@FUZZ
@given(payload=st.binary(max_size=400) | st.lists(st.tuples(member_names, xml_bodies), max_size=5).map(_zip),
       as_xml=st.booleans())
def test_random_qti_uploads_are_refused_with_nothing_written(app, payload, as_xml):
    before = table_counts()
    try:
        package = read_file("upload.xml" if as_xml else "upload.zip", payload)
    except UnsafePackage as refusal:
        assert str(refusal)
    else:
        try:
            report = import_package(package, None, "fuzzer")
        except UnsafePackage as refusal:
            assert str(refusal)
        else:
            assert not report.written and (report.rejected or not report.accepted)
    assert table_counts() == before
