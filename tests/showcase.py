"""The demo content with every public page type and every part of an article page filled in, for
the validators (tests/site/test_validators.py) and the reader's browser test. The demo has one
live story; here its scheduled explainer is published, as if the day before the story (related
stories are earlier ones, so the story has a related card), a correction is made to the story, and the draft is published and withdrawn (the 410 page), all
through the workflow as an editor would; and the images have the renditions the task worker makes."""

from datetime import timedelta

from django.contrib.auth import get_user_model

from articles import readmodel, workflow
from articles.models import Article
from demo.stories import TOYOTA_STORY_SLUG
from newsroom.media.models import Image
from newsroom.media.tasks import make_reader_renditions

EXPLAINER_SLUG = "what-japans-new-approval-mark-means-for-us-built-cars"
WITHDRAWN_SLUG = "tundra-in-japan-how-a-full-size-pickup-fits"


def complete_the_demo(between_steps=lambda: None):
    """``between_steps`` runs before each editor's step: the golden files' fixed clock moves on there,
    so each step has its own time, as in a newsroom."""
    editor = get_user_model().objects.get(username="editor")
    story = Article.objects.get(slug=TOYOTA_STORY_SLUG)
    between_steps()
    workflow.correct(story, editor, "An earlier version gave the wrong year for the Tundra's arrival.")
    explainer = Article.objects.get(slug=EXPLAINER_SLUG)
    between_steps()
    workflow.unschedule(explainer, editor)
    workflow.publish(explainer, editor)
    day_before = story.first_published - timedelta(days=1)
    Article.objects.filter(pk=explainer.pk).update(
        publish_at=day_before, first_published_at=day_before, last_published_at=day_before
    )
    Article.objects.filter(slug=WITHDRAWN_SLUG).update(lead_image=story.lead_image)  # publishing needs one
    draft = Article.objects.get(slug=WITHDRAWN_SLUG)
    between_steps()
    workflow.approve(draft, editor)
    workflow.publish(draft, editor)
    between_steps()
    workflow.withdraw(draft, editor, "It repeated a claim we could not confirm.")
    for image in Image.objects.all():
        make_reader_renditions(image)
    # Stored as the workflow would have stored them then, with their pictures' renditions.
    readmodel.sync(Article.objects.values_list("pk", flat=True))
