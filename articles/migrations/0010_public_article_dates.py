import django.utils.timezone
from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest


def from_articles(apps, schema_editor):
    """Date the stories stored before these columns as their articles are dated (``Article.first_published``
    and ``Article.last_updated``); ``rebuild_read_model`` then stores their new forms (``readmodel.SHAPE``)."""
    Article = apps.get_model("articles", "Article")
    PublicArticle = apps.get_model("articles", "PublicArticle")
    article = Article.objects.filter(pk=OuterRef("pk"))
    PublicArticle.objects.update(
        first_published=Subquery(article.values(date=Coalesce("first_published_at", "publish_at"))[:1]),
        last_updated=Subquery(
            article.values(date=Greatest("publish_at", Coalesce("last_published_at", "publish_at")))[:1]
        ),
    )


class Migration(migrations.Migration):
    dependencies = [("articles", "0009_pending_changes")]

    operations = [
        # Dated "now" for a moment, then as their articles (``from_articles``).
        migrations.AddField(
            model_name="publicarticle",
            name="first_published",
            field=models.DateTimeField(default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="publicarticle",
            name="last_updated",
            field=models.DateTimeField(default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.RunPython(from_articles, migrations.RunPython.noop),
    ]
