"""The `exam-engine` command line: migrations, accounts and the demo data."""

import pytest
from sqlalchemy import func, select

from exam_engine.auth.models import User
from exam_engine.auth.roles import Role
from exam_engine.cli import cli
from exam_engine.core.extensions import db
from exam_engine.demo import DEMO_ACCOUNTS
from tests.helpers import csrf_token_from, sign_in


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return invoke


def test_db_upgrade_and_check(run):
    assert "upgraded" in run("db", "upgrade").output
    assert "match" in run("db", "check").output


def test_create_user(run):
    result = run("create-user", "sam", "--role", "invigilator", "--name", "Sam", "--password", "long enough")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "sam"))
    assert user.role is Role.INVIGILATOR and user.check_password("long enough")


def test_create_user_refuses_bad_input_clearly(run):
    result = run("create-user", "sam", "--role", "invigilator", "--password", "short")
    assert result.exit_code == 1 and "at least 8 characters" in result.output
    run("create-user", "sam", "--role", "invigilator", "--password", "long enough")
    result = run("create-user", "sam", "--role", "learner", "--password", "long enough")
    assert result.exit_code == 1 and "already taken" in result.output
    result = run("create-user", "kim", "--role", "janitor", "--password", "long enough")
    assert result.exit_code == 2 and "janitor" in result.output


def test_load_demo_prints_working_accounts_and_is_idempotent(run, app):
    first = run("load-demo")
    second = run("load-demo")
    assert first.exit_code == second.exit_code == 0
    assert "DEMO ACCOUNTS" in first.output
    assert db.session.scalar(select(func.count()).select_from(User)) == len(DEMO_ACCOUNTS)
    for account in DEMO_ACCOUNTS:
        assert account.username in second.output and account.password in second.output
        client = app.test_client()
        assert sign_in(client, account.username, account.password).status_code == 302
    assert {account.role for account in DEMO_ACCOUNTS} == set(Role)


def test_loading_the_demo_again_signs_nobody_out(run, app):
    run("load-demo")
    learner = next(account for account in DEMO_ACCOUNTS if account.role is Role.LEARNER)
    client = app.test_client()
    assert sign_in(client, learner.username, learner.password).status_code == 302
    assert client.get("/learner/").status_code == 200
    assert run("load-demo").exit_code == 0
    assert client.get("/learner/").status_code == 200  # still signed in


def test_demo_staff_sign_in_with_the_printed_key_or_the_demo_code_command(run, app):
    output = run("load-demo").output
    writer = next(account for account in DEMO_ACCOUNTS if account.role is Role.ITEM_WRITER)
    assert f"key {writer.authenticator_key}" in output
    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, "username": writer.username,
                                           "password": writer.password})
    assert response.location == "/login/code"  # enrolled already, with the printed key
    code = run("demo-code", writer.username).output.strip()
    token = csrf_token_from(client.get("/login/code").get_data(as_text=True))
    assert client.post("/login/code", data={"csrf_token": token, "code": code}).location == "/workbench/"
    refused = app.test_cli_runner().invoke(cli, ["demo-code", "someone-real"])
    assert refused.exit_code == 1 and "not a demo account" in refused.output


def test_a_command_on_a_database_without_tables_says_to_upgrade_it(tmp_path):
    """Not a traceback: every command reading the database says what to run."""
    from exam_engine.app import create_app

    empty = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.db'}", "TESTING": True})
    for command in (["export-items", "--unit", "Y/506/2152"], ["bank-check", "--unit", "Y/506/2152"],
                    ["blueprint-check", "Y/506/2152"]):
        result = empty.test_cli_runner().invoke(cli, command)
        assert result.exit_code == 1, result.output
        assert "the database has no tables yet: run `exam-engine db upgrade`" in result.output
        assert isinstance(result.exception, SystemExit)  # click's exit for a ClickException, not an error raised
