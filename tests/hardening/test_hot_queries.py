"""Every statement a sitting's requests run on PostgreSQL can use an index: EXPLAIN, with sequential
scans priced out, finds none left (a missing index would leave a Seq Scan whatever the price)."""

from sqlalchemy import event, text

from exam_engine.core.extensions import db
from tests.delivery.factory import make_items, make_sitting
from tests.delivery.runner_client import Runner


def test_the_statements_of_a_sitting_use_indexes(app, make_user, design):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return  # SQLite's planner is not asked: the indexes are the same tables' (one set of migrations)
    design("cat", 4)
    make_items()
    setup = make_sitting(make_user)
    runner = Runner(app.test_client())
    statements: list[tuple[str, object]] = []

    def keep(connection, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")) and not executemany:
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        runner.enter(setup.sitting)  # sign-in, its throttles, the session key
        attempt = runner.start(setup.sitting.id)["attempt"]
        for position in (1, 2):
            item = runner.call("GET", f"/api/runner/attempts/{attempt}/items/{position}").get_json()["item"]
            runner.answer(attempt, position, item["options"][0]["id"] if item["type"] == "single_best_answer" else
                          [o["id"] for o in item["options"]][: 1 if item["type"] == "multiple_response" else None],
                          f"k{position}")
            runner.call("GET", f"/api/runner/attempts/{attempt}")
            runner.call("POST", f"/api/runner/attempts/{attempt}/next", {"after": position})
        runner.call("POST", f"/api/runner/attempts/{attempt}/submit")
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    assert len(statements) > 20
    scanned = {}
    with db.engine.connect() as connection:
        connection.execute(text("SET enable_seqscan = off"))
        raw = connection.connection.driver_connection
        for statement, parameters in statements:
            plan = "\n".join(row[0] for row in raw.execute("EXPLAIN " + statement, parameters).fetchall())
            if "Seq Scan" in plan:
                scanned[" ".join(statement.split())[:200]] = plan
    assert scanned == {}, "statements without an index:\n" + "\n\n".join(f"{s}\n{p}" for s, p in scanned.items())
