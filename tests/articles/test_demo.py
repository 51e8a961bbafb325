"""The demo stories are made through the workflow, so they carry revisions and an audit trail."""

from articles.models import Article, Status


def test_demo_articles_went_through_the_workflow(demo):
    published, scheduled, in_review = (demo["articles"][k] for k in ("published", "scheduled", "in_review"))
    assert Article.objects.live().filter(pk=published.pk).exists()
    assert not Article.objects.live().filter(pk=scheduled.pk).exists()
    assert Article.objects.get(pk=in_review.pk).status == Status.IN_REVIEW
    assert list(published.transitions.order_by("id").values_list("action", flat=True)) == [
        "submit",
        "approve",
        "publish",
    ]
    assert list(scheduled.transitions.order_by("id").values_list("action", flat=True)) == [
        "submit",
        "approve",
        "schedule",
    ]
    for article in (published, scheduled, in_review):
        assert article.revisions.count() == 1
    assert [a.name for a in published.authors.order_by("bylines__position")] == ["Walter Writer", "Erika Editor"]
    assert published.vehicle_models.count() == 3
