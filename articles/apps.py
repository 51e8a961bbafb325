from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self):
        from articles import cache
        from articles.models import Article
        from newsroom.core import roles

        cache.connect_receivers()
        # Who may change an image, tag, author or section is decided in roles, which sit below
        # articles: tell them which articles show a record.
        roles.register_articles_showing(lambda record: Article.objects.submitted_or_public().showing(record))
