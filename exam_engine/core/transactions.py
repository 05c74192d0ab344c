"""One owner of each transaction: the request or the command that asked, never a service.

Services change rows in the session and never commit. The entry points do, once:

* a web request that may change state (POST, PUT, PATCH, DELETE) is committed after its
  view returns a response below 400, and rolled back otherwise (`register_unit_of_work`);
* a safe request (GET, HEAD, OPTIONS) writes nothing: it is always rolled back, and a
  write it leaves uncommitted is an error (raised under TESTING, logged otherwise);
* a command runs as one transaction (`transactional`);
* `unit_of_work()` commits a block as its own transaction. It is the one way a read may
  write: a status poll that finds a candidate's clock run out closes the attempt in one,
  whatever the request goes on to answer. `unit_of_work(keep=False)` is a dry run: the
  block's changes are made, reported on and rolled back.

Saving an answer also commits in its service (`commit_keeping_state`): the learner's
acknowledgement must follow durability, and a duplicate idempotency key is only known
from the commit.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import Flask, current_app, request
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from werkzeug.wrappers import Response

from exam_engine.core.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_UNCOMMITTED = "uncommitted_writes"

P = ParamSpec("P")
R = TypeVar("R")


class UncommittedWrite(RuntimeError):
    """A safe request changed the database outside an explicit unit of work."""


@contextmanager
def unit_of_work(keep: bool = True) -> Iterator[None]:
    """Commit what the block changes as one transaction (roll it back if the block raises,
    or if `keep` is false: a dry run). A block that changed nothing commits nothing, so what
    the session has read stays loaded (a status poll that finds the clock still running)."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    if not keep:
        db.session.rollback()
    elif _changed(db.session()):
        db.session.commit()


def commit_keeping_state() -> None:
    """Commit without expiring what the session holds: for a writer that read, under its own
    lock, everything its reply shows (saving an answer), so the reply needs no second read."""
    session = db.session()
    kept, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = kept


def _changed(session: Session) -> bool:
    return bool(session.info.get(_UNCOMMITTED) or session.new or session.dirty or session.deleted)


def transactional(command: Callable[P, R]) -> Callable[P, R]:
    """Run a command (under `with_appcontext`) as one transaction: committed if it returns."""

    @wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with unit_of_work():
            return command(*args, **kwargs)

    return run


def register_unit_of_work(app: Flask) -> None:
    """Commit each state-changing request once; roll back everything else."""

    @app.after_request
    def commit_or_roll_back(response: Response) -> Response:
        if request.method in SAFE_METHODS:
            wrote = db.session.info.get(_UNCOMMITTED, False)
            db.session.rollback()
            if wrote:
                _report_write_in_safe_request()
        elif response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response


def _report_write_in_safe_request() -> None:
    message = (f"{request.method} {request.path} changed the database outside a unit of work; "
               "the change was rolled back")
    if current_app.testing:
        raise UncommittedWrite(message)
    current_app.logger.error(message)


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, flush_context: Any) -> None:
    session.info[_UNCOMMITTED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_UNCOMMITTED] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_writes(session: Session) -> None:
    session.info.pop(_UNCOMMITTED, None)
