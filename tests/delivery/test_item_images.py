"""An item's image reaches the learner only inside their open test: by the item's own URL, never
cached; another learner, a closed test or a name the item lacks gets a refusal. Staff see it in
the item's preview, and a look at a live item's image is recorded."""

from sqlalchemy import select

from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from item_bank.items.models import Item, ItemMedium, ItemView
from tests.conftest import TEST_PASSWORD
from tests.delivery.factory import make_items
from tests.delivery.runner_client import seated
from tests.helpers import sign_in
from tests.item_bank.qti.conftest import PICTURE

NAME = "1a2b3c4d-shop.png"


def bank_with_image() -> None:
    """The test bank, every item's stem showing an image of its own."""
    for version in make_items():
        version.stem += f"\n\n![A shop front with steps]({NAME})"
        version.media = [ItemMedium(name=NAME, content_type="image/png", data=PICTURE, sha256="0" * 64)]
    db.session.commit()


def test_the_learner_gets_the_image_of_an_item_in_their_open_test_only(app, make_user, design):
    design("fixed", 4)
    bank_with_image()
    setup, runner = seated(app.test_client(), make_user)
    attempt = runner.start(setup.sitting.id)["attempt"]
    item = runner.call("GET", f"/api/runner/attempts/{attempt}/items/1").get_json()["item"]
    image = item["stem_blocks"][-1]
    src = f"/api/runner/attempts/{attempt}/items/1/media/{NAME}"
    assert image == {"kind": "image", "name": NAME, "alt": "A shop front with steps", "src": src}

    shown = runner.call("GET", src)
    assert (shown.status_code, shown.mimetype, shown.data) == (200, "image/png", PICTURE)
    assert shown.headers["Cache-Control"] == "no-store" and shown.headers["X-Content-Type-Options"] == "nosniff"
    assert runner.call("GET", f"/api/runner/attempts/{attempt}/items/1/media/other.png").status_code == 404
    assert runner.call("GET", f"/api/runner/attempts/{attempt}/items/9/media/{NAME}").status_code == 404

    _, other = seated(app.test_client(), make_user, candidate_number="0002", session=setup.sitting.session)
    assert other.call("GET", src).status_code == 404  # not their attempt

    runner.call("POST", f"/api/runner/attempts/{attempt}/submit", {"confirm": True})
    assert runner.call("GET", src).status_code == 409  # the test has ended: items are no longer shown


def test_staff_see_the_image_in_the_preview_and_the_view_is_recorded(app, client, taxonomy, make_user):
    bank_with_image()
    reviewer = make_user(Role.REVIEWER)
    sign_in(client, reviewer.username, TEST_PASSWORD)
    item = db.session.scalar(select(Item).order_by(Item.id))
    page = client.get(f"/workbench/items/{item.id}").get_data(as_text=True)
    src = f"/workbench/versions/{item.latest.id}/media/{NAME}"
    assert f'<img src="{src}" alt="A shop front with steps">' in page
    assert client.get(src).data == PICTURE
    assert ("item image", reviewer.username) in {(v.page, v.viewed_by) for v in db.session.scalars(select(ItemView))}
    learner = make_user(Role.LEARNER)
    client.get("/logout")
    sign_in(client, learner.username, TEST_PASSWORD)
    assert client.get(src).status_code in (302, 403, 404)
