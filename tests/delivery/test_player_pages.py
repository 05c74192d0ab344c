"""The learner's pages as an exam player: arrangements from the first page, no site chrome during the
test, time said as people say it, and a plain receipt at the end."""

import re

from exam_engine.core.extensions import db
from exam_engine.delivery.models import Attempt
from exam_engine.delivery.presenters import spoken_duration
from tests.delivery.factory import make_items, make_sitting
from tests.delivery.runner_client import Runner
from tests.delivery.test_answers import first_option


def test_time_is_said_as_people_say_it():
    assert spoken_duration(45 * 60 * 1.25) == "56 minutes 15 seconds"
    assert spoken_duration(3900) == "1 hour 5 minutes"
    assert spoken_duration(60) == "1 minute"


def test_the_pages_before_the_test_wear_the_candidate_s_arrangements(app, make_user, design):
    make_items()
    setup = make_sitting(make_user, minutes=45, extra_time=25, arrangements={"colour_scheme": "yellow on black"})
    client = app.test_client()
    runner = Runner(client)
    runner.enter(setup.sitting)
    sitting = setup.sitting.id
    for page in ("confirm", "declaration"):
        html = client.get(f"/learner/sittings/{sitting}/{page}").text
        assert "css/runner.css" in html and 'class="scheme-yellow-on-black text-100"' in html, page
    assert "56 minutes 15 seconds in all" in client.get(f"/learner/sittings/{sitting}/confirm").text
    client.post(f"/learner/sittings/{sitting}/declaration", data={"csrf_token": runner.token,
                                                                 "declaration": "accepted"})
    html = client.get(f"/learner/sittings/{sitting}/instructions").text
    assert "you have 56 minutes 15 seconds." in html and "css/runner.css" in html


def test_the_player_has_no_site_chrome_and_the_end_is_a_plain_receipt(app, make_user, design):
    make_items()
    setup = make_sitting(make_user)
    runner = Runner(app.test_client())
    runner.enter(setup.sitting)
    attempt = runner.start(setup.sitting.id)["attempt"]
    player = runner.client.get(f"/learner/attempts/{attempt}").text
    assert "Sign out" not in player and "site-header" not in player and "site-footer" not in player
    assert re.search(r'id="timer" data-seconds="\d+">\d\d:\d\d<', player)
    runner.answer(attempt, 1, first_option(runner, attempt, 1), "r1")
    runner.call("POST", f"/api/runner/attempts/{attempt}/submit")
    receipt = runner.client.get(f"/learner/attempts/{attempt}/finished").text
    head = db.session.get(Attempt, attempt).log_head.upper()
    assert f'id="receipt">{head[:4]}-{head[4:8]}-{head[8:12]}<' in receipt
    assert "1 answers are stored" in receipt and "Sign out" in receipt
    assert "Stored change number" not in receipt and "Event log" not in receipt  # the invigilator's detail
