"""Who may do what with articles: the one answer for the admin, forms, services and workflow.

    from articles.permissions import article_policy

    article_policy.user_has_permission(user, "publish")                      # the role's right
    article_policy.user_has_permission_for_instance(user, "change", article) # this article, now
    article_policy.owned_by(user)                                            # whose drafts are whose

Actions are the article permissions' verbs: ``add``, ``change``, ``view``, ``delete`` and the
workflow's ``submit``, ``approve``, ``publish``, ``correct``, ``withdraw``, ``edit_any``; plus
``share``, handing out a login-free preview link. Whether a workflow step is possible from the
article's status, or whether it is live, is the workflow's business (``workflow.allowed_actions``);
this module says whether the user's role, and their part in the article, allow it.
"""

from django.db.models import Q

from articles.models import LIVE_STATUSES, Article, Correction, PendingChanges, Status, Transition
from newsroom.core.permissions import ModelPermissionPolicy, ShownRecordPolicy


class ArticlePolicy(ModelPermissionPolicy):
    def owned_by(self, user):
        """Articles ``user`` started or has a byline on, as a filter (the desk's "my drafts")."""
        return Q(created_by=user) | Q(bylines__author__user=user)

    def user_owns(self, user, article):
        if article.pk is None or article.created_by_id == user.pk:
            return True  # the second test is owned_by's first half, answered without a query
        return Article.objects.filter(self.owned_by(user), pk=article.pk).exists()

    def user_has_permission_for_instance(self, user, action, article):
        if action == "change":
            return self._may_edit(user, article)
        if action == "submit":
            return self.user_has_permission(user, "submit") and (
                self.user_has_permission(user, "edit_any") or self.user_owns(user, article)
            )
        if action == "share":
            return self._may_share(user, article)
        return self.user_has_permission(user, action)

    def _may_edit(self, user, article):
        """Writers edit their own drafts, and their own live stories while no change to them is
        waiting for review or scheduled; editors edit anything not withdrawn. An edit of a live story is a
        draft over it (``services.save_article``): publishing it is the workflow's own step."""
        if article.pk is None:
            return self.user_has_permission(user, "add")
        if not self.user_has_permission(user, "change") or article.status == Status.WITHDRAWN:
            return False
        if self.user_has_permission(user, "edit_any"):
            return True
        if not self.user_owns(user, article):
            return False
        if article.status == Status.DRAFT:
            return True
        # Changes waiting for review, or scheduled by an editor, are an editor's now.
        decided = Q(in_review=True) | Q(scheduled_for__isnull=False)
        return (
            article.status in LIVE_STATUSES
            and article.is_live()
            and not PendingChanges.objects.filter(decided, article=article).exists()
        )

    def _may_share(self, user, article):
        """A login-free link shows an unpublished article to anyone holding it: only those who
        may change the article, or approve or publish it, may hand one out."""
        if article.status == Status.WITHDRAWN:
            return False
        return self._may_edit(user, article) or self.user_has_any_permission(user, ("approve", "publish"))


article_policy = ArticlePolicy(Article)
# What an article shows besides its own row: changed only by a role that may publish once a
# submitted or public article shows it (``ShownRecordPolicy``).
section_policy = ShownRecordPolicy("articles.Section")
tag_policy = ShownRecordPolicy("articles.Tag")
author_policy = ShownRecordPolicy("articles.Author")
# The workflow writes both as it takes each step; staff only read them.
transition_policy = ModelPermissionPolicy(Transition, nobody_may={"add", "change", "delete"})
correction_policy = ModelPermissionPolicy(Correction, nobody_may={"add", "change", "delete"})
