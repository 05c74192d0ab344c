"""The floor plan holds: pure cores import without the web stack, one owner of each transaction,
and every read-only request writes nothing."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from exam_engine.core.extensions import db
from exam_engine.core.transactions import UncommittedWrite
from tests.conftest import REPOSITORY_ROOT, make_test_app

PRODUCT = ("exam_engine", "item_bank", "blueprints", "invigilation")
# The only modules that end a transaction themselves: the unit of work, and saving an answer
# (its acknowledgement must follow durability).
COMMITTERS = {"exam_engine/core/transactions.py", "exam_engine/delivery/services/answers.py"}

BLOCK_ALL_BUT_NUMPY_AND_SCIPY = """
import sys
from importlib.metadata import packages_distributions

installed = set(packages_distributions()) - {"numpy", "scipy", "exam_engine"}
already = set(sys.modules)  # what the interpreter loaded at start-up (site hooks)

class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in installed:
            raise ImportError(f"{name} is not importable here")
        return None

sys.meta_path.insert(0, Refuse())
import exam_engine.psychometrics, exam_engine.assembly
import exam_engine.psychometrics.calibration, exam_engine.assembly.engine, exam_engine.assembly.stepwise
loaded = {name.split(".")[0] for name in set(sys.modules) - already}
print(",".join(sorted(loaded & (installed | {"numpy", "scipy"}))))
"""


def test_the_pure_cores_import_with_only_numpy_and_scipy():
    result = subprocess.run([sys.executable, "-c", BLOCK_ALL_BUT_NUMPY_AND_SCIPY], cwd=REPOSITORY_ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["numpy,scipy"]


def test_gunicorn_still_finds_the_app_factory_on_the_package():
    import exam_engine
    from exam_engine.app import create_app

    assert exam_engine.create_app is create_app
    with pytest.raises(AttributeError):
        exam_engine.no_such_thing  # noqa: B018


def _commits(path: Path) -> list[int]:
    """Lines that commit: `.commit()`, or the answer path's `commit_keeping_state()`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call) and (
        (isinstance(node.func, ast.Attribute) and node.func.attr == "commit")
        or (isinstance(node.func, ast.Name) and node.func.id == "commit_keeping_state"))]


def test_only_the_unit_of_work_and_saving_an_answer_commit():
    found = {}
    for package in PRODUCT:
        for path in (REPOSITORY_ROOT / package).rglob("*.py"):
            relative = path.relative_to(REPOSITORY_ROOT).as_posix()
            if "migrations" not in path.parts and relative not in COMMITTERS and _commits(path):
                found[relative] = _commits(path)
    assert found == {}, f"services and views must leave the commit to the unit of work: {found}"


def test_a_read_only_request_that_writes_is_refused_and_rolled_back(migrated_app: Flask):
    from exam_engine.auth.access import public
    from exam_engine.auth.models import User
    from exam_engine.auth.roles import Role

    app = make_test_app(migrated_app.config["SQLALCHEMY_DATABASE_URI"])

    @app.get("/write-in-a-get")
    @public
    def write_in_a_get() -> str:
        db.session.add(User(username="written-by-a-get", display_name="x", role=Role.LEARNER, password_hash="!"))
        db.session.flush()
        return "ok"

    with pytest.raises(UncommittedWrite, match="GET /write-in-a-get changed the database"):
        app.test_client().get("/write-in-a-get")
    with app.app_context():
        assert db.session.query(User).filter_by(username="written-by-a-get").count() == 0
        db.session.remove()
