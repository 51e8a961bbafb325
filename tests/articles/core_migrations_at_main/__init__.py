"""core's migrations as they stood before the article search index moved to articles' 0006.

Kept only so the upgrade test can build a database the way every existing one was built: core's
0002 and 0003 ran, and ``articles/migrations/0006_search_document.py`` replaces them. Its 0001 is
the one that made the roles and depended on the apps above core, as every database ran it.
"""
