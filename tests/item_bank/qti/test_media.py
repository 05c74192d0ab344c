"""Images from other banks: an `img` in the question comes with the package (PNG, JPEG, GIF or WebP by
its content, at most 1 MB, with its text alternative), is stored with the item version, and goes
back out in the export; an image without alt text, of another kind, missing, too large or in an
option refuses the item with the reason, and nothing is written."""

import pytest
from sqlalchemy import func, select

from exam_engine.core.extensions import db
from item_bank.items.models import Item, ItemMedium
from item_bank.items.text import blocks
from item_bank.qti.reader import MAX_IMAGE_BYTES
from item_bank.qti.safety import read_zip
from item_bank.qti.services import export_package, import_package
from item_bank.qti.versions import VERSIONS
from tests.item_bank.qti.conftest import PICTURE, UNIT
from tests.item_bank.qti.test_stimuli import item_reading, load

SHOP = '<p>Look at the shop front.</p><p><img src="../media/shop front.png" alt="A shop [front] with steps"/></p>'


def stored() -> list[ItemMedium]:
    return db.session.scalars(select(ItemMedium)).all()


def test_an_image_with_alt_text_comes_with_the_item_and_goes_back_out(app):
    rejected, written = load([item_reading("q1", SHOP)], {"media/shop front.png": PICTURE})
    assert (rejected, written) == ([], True)
    version = db.session.scalar(select(Item)).latest
    [medium] = version.media
    assert (medium.content_type, medium.data) == ("image/png", PICTURE)
    assert medium.name.endswith("-shop-front.png")
    assert blocks(version.stem)[1] == {"kind": "image", "alt": "A shop (front) with steps", "name": medium.name}

    for qti in VERSIONS.values():
        package = export_package(UNIT, qti)
        again = import_package(read_zip(package.data, "ours.zip"), None, "me")
        assert again.rejected == [] and [outcome for _, outcome in again.accepted] == [
            "same as the bank, stays draft"], qti.label
    assert len(stored()) == 1


@pytest.mark.parametrize(("image", "files", "reason"), [
    ('<img src="a.png"/>', {"items/a.png": PICTURE}, "has an image 'a.png' with no alt text"),
    ('<img src="a.png" alt=" "/>', {"items/a.png": PICTURE}, "has an image 'a.png' with no alt text"),
    ('<img src="a.svg" alt="A logo"/>', {"items/a.svg": '<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'},
     "has an image 'a.svg' that is not PNG, JPEG, GIF or WebP"),
    ('<img src="fake.png" alt="A logo"/>', {"items/fake.png": "<html>not an image</html>"},
     "has an image 'fake.png' that is not PNG, JPEG, GIF or WebP"),
    ('<img src="gone.png" alt="A logo"/>', {}, "has an image 'gone.png' that is not in the package"),
    ('<img src="http://example.com/a.png" alt="A logo"/>', {}, "has an image 'http://example.com/a.png' that is "
                                                               "not in the package"),
])
def test_an_image_the_bank_cannot_hold_refuses_the_item_with_the_reason(app, image, files, reason):
    rejected, written = load([item_reading("q1", f"<p>{image}</p>")], files)
    assert not written and len(rejected) == 1 and rejected[0].startswith(reason), rejected
    assert db.session.scalar(select(func.count()).select_from(Item)) == 0 and stored() == []


def test_an_image_over_the_limit_is_refused(app, monkeypatch):
    monkeypatch.setattr("item_bank.qti.reader.MAX_IMAGE_BYTES", len(PICTURE) - 1)
    rejected, written = load([item_reading("q1", SHOP)], {"media/shop front.png": PICTURE})
    assert not written and rejected == [f"has an image '../media/shop front.png' of {len(PICTURE):,} bytes; the "
                                        f"most an image may be is {len(PICTURE) - 1:,} bytes"]
    assert MAX_IMAGE_BYTES == 1024 * 1024


def test_an_image_in_an_option_is_refused(app):
    xml = item_reading("q1", "").replace("Answer B", '<img src="b.png" alt="B"/>')
    rejected, written = load([xml], {"items/b.png": PICTURE})
    assert not written and rejected == ["has an image in an option or premise; options and premises are text only"]
