"""The vehicles app's migrations as they stood before the article reporting a launch moved to the
articles app: 0001 made ``reported_in`` a foreign key to articles.Article (and so depended on
articles' 0001). Kept only so the upgrade test can build a database the way every existing one
was built."""
