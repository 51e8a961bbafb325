"""``responsive_image``'s ``widths``: a template narrows the srcset to what its slot can use."""

import re

import pytest
from django.template import Context, Template, TemplateSyntaxError

from newsroom.media.ingest import ingest_image
from newsroom.media.tasks import make_reader_renditions
from tests.media import corpus


def render(image, widths):
    template = Template('{% load images %}{% responsive_image image sizes="17rem" crop="16x9" widths=widths %}')
    return template.render(Context({"image": image, "widths": widths}))


def test_a_card_asks_only_for_the_widths_its_slot_uses(db):
    image = ingest_image(corpus.photo_bytes(size=(2000, 1125)), title="Card", alt_text="A card picture")
    make_reader_renditions(image)  # what the task worker does after the upload commits
    html = render(image, "320 640")
    for srcset in re.findall(r'srcset="([^"]+)"', html):
        assert [entry.split()[1] for entry in srcset.split(", ")] == ["320w", "640w"]
    assert 'width="640" height="360"' in html  # the fallback src is the largest asked for


@pytest.mark.parametrize("widths", ["300", "640 2000", "wide", "320 wide"])
def test_widths_the_renditions_do_not_offer_are_refused(db, widths):
    image = ingest_image(corpus.photo_bytes(size=(800, 450)), title="Card", alt_text="A card picture")
    with pytest.raises(TemplateSyntaxError, match="widths must be some of"):
        render(image, widths)
