"""The article admin as writers and editors use it: forms, conflicts, workflow buttons, pages."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from articles import workflow
from articles.models import Article, ArticleVehicle, Author, Byline, Revision, Status, Tag
from articles.services import save_article
from newsroom.core.roles import EDITOR
from tests.articles.conftest import ON_POSTGRES_ONLY

CHANGE = "/admin/articles/article/{}/change/"


def form_data(article, **overrides):
    article.refresh_from_db()
    bylines = list(Byline.objects.filter(article=article))
    data = {
        "headline": article.headline,
        "slug": article.slug,
        "standfirst": article.standfirst,
        "body": article.body,
        "section": article.section_id or "",
        "lead_image": article.lead_image_id or "",
        "tags": ", ".join(article.tags.values_list("name", flat=True)),
        "loaded_version": article.version,
        "revision_message": "",
        "bylines-TOTAL_FORMS": len(bylines),
        "bylines-INITIAL_FORMS": len(bylines),
        "bylines-MIN_NUM_FORMS": 0,
        "bylines-MAX_NUM_FORMS": 1000,
        "article_vehicles-TOTAL_FORMS": 0,
        "article_vehicles-INITIAL_FORMS": 0,
        "article_vehicles-MIN_NUM_FORMS": 0,
        "article_vehicles-MAX_NUM_FORMS": 1000,
        "_continue": "Save and continue editing",
    }
    for i, byline in enumerate(bylines):
        data |= {
            f"bylines-{i}-id": byline.pk,
            f"bylines-{i}-article": article.pk,
            f"bylines-{i}-author": byline.author_id,
            f"bylines-{i}-position": byline.position,
        }
    return data | overrides


def text(response):
    return response.content.decode()


@pytest.fixture
def writer_client(client, writer):
    client.force_login(writer)
    return client


# -- saving and conflicts --------------------------------------------------------------------------


def test_editor_saves_and_a_revision_is_recorded(editor_client, make_article, editor):
    article = make_article()
    response = editor_client.post(
        CHANGE.format(article.pk), form_data(article, headline="New headline", revision_message="Sharper")
    )
    assert response.status_code == 302
    revision = Revision.objects.filter(article=article).first()
    assert (revision.version, revision.snapshot["headline"], revision.message, revision.created_by) == (
        2,
        "New headline",
        "Sharper",
        editor,
    )


def test_stale_save_shows_who_and_what_and_keeps_the_typed_text(editor_client, client, make_article, writer, editor):
    article = make_article(by=writer)
    stale = form_data(article)
    # The writer saves first, from another browser.
    theirs = Article.objects.get(pk=article.pk)
    theirs.headline = "The writer's newer headline"
    save_article(theirs, writer, 1, "Writer's fix")

    mine = stale | {"headline": "Editor headline", "body": "<p>Paragraph the editor typed.</p>"}
    response = editor_client.post(CHANGE.format(article.pk), mine)
    page = text(response)
    assert response.status_code == 200
    assert "Someone else saved this article while you were editing" in page
    assert writer.username in page and "Writer&#x27;s fix" in page
    assert "<ins>newer</ins>" in page or "newer" in page  # their change is shown
    assert 'value="Editor headline"' in page  # the editor's text is kept
    assert "Paragraph the editor typed." in page
    assert Article.objects.get(pk=article.pk).headline == "The writer's newer headline"

    # Having read it, the editor chooses to save over it: allowed, and nothing is lost.
    response = editor_client.post(CHANGE.format(article.pk), mine | {"seen_version": 2, "confirm_overwrite": "on"})
    assert response.status_code == 302
    stored = Article.objects.get(pk=article.pk)
    assert (stored.headline, stored.version) == ("Editor headline", 3)
    assert Revision.objects.get(article=article, version=2).snapshot["headline"] == "The writer's newer headline"


def test_confirming_an_old_conflict_does_not_overwrite_a_newer_save(editor_client, make_article, writer):
    article = make_article(by=writer)
    stale = form_data(article)
    for n in (2, 3):
        fresh = Article.objects.get(pk=article.pk)
        fresh.headline = f"Version {n}"
        save_article(fresh, writer, n - 1)
    response = editor_client.post(
        CHANGE.format(article.pk), stale | {"headline": "Mine", "seen_version": 2, "confirm_overwrite": "on"}
    )
    assert response.status_code == 200
    assert Article.objects.get(pk=article.pk).headline == "Version 3"


@pytest.mark.parametrize("version", ["", "abc", "-1", "99999999999999999999"])
def test_a_tampered_version_is_a_form_error(editor_client, make_article, version):
    article = make_article()
    response = editor_client.post(CHANGE.format(article.pk), form_data(article, loaded_version=version))
    assert response.status_code == 200
    assert "errornote" in text(response)
    assert Article.objects.get(pk=article.pk).version == 1


def test_duplicate_slug_and_missing_headline_are_form_errors(editor_client, make_article):
    first, second = make_article(), make_article()
    response = editor_client.post(CHANGE.format(second.pk), form_data(second, slug=first.slug, headline=""))
    page = text(response)
    assert response.status_code == 200
    assert "Another article uses this address" in page
    assert "This field is required." in page


def test_writer_creates_a_draft_and_submits_it(writer_client, writer, section):
    author = Author.objects.create(name="Wendy Writer", slug="wendy", user=writer)
    data = {
        "headline": "Tundra <script>alert(1)</script> arrives",
        "slug": "",
        "standfirst": "",
        "body": '<p onclick="x()">Hello <a href="javascript:alert(1)">there</a></p><script>alert(2)</script>',
        "section": section.pk,
        "lead_image": "",
        "revision_message": "",
        "bylines-TOTAL_FORMS": 1,
        "bylines-INITIAL_FORMS": 0,
        "bylines-MIN_NUM_FORMS": 0,
        "bylines-MAX_NUM_FORMS": 1000,
        "bylines-0-author": author.pk,
        "bylines-0-position": 0,
        "article_vehicles-TOTAL_FORMS": 0,
        "article_vehicles-INITIAL_FORMS": 0,
        "article_vehicles-MIN_NUM_FORMS": 0,
        "article_vehicles-MAX_NUM_FORMS": 1000,
        "_submit_for_review": "Save and submit for review",
    }
    response = writer_client.post("/admin/articles/article/add/", data)
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.slug == "tundra-scriptalert1script-arrives"
    assert article.body == '<p>Hello <a rel="noopener noreferrer">there</a></p>'
    assert article.status == Status.IN_REVIEW
    assert list(article.authors.all()) == [author]
    assert article.revisions.get().version == 1


def test_writer_cannot_change_someone_elses_draft(writer_client, make_article, other_writer):
    article = make_article(by=other_writer)
    page = writer_client.get(CHANGE.format(article.pk))
    assert page.status_code == 200 and 'name="headline"' not in text(page)  # read-only view
    response = writer_client.post(CHANGE.format(article.pk), form_data(article, headline="Hijacked"))
    assert response.status_code == 403
    assert Article.objects.get(pk=article.pk).headline != "Hijacked"


def test_editing_a_live_article_publishes_an_update_or_a_correction(editor_client, make_article):
    article = make_article("published")
    assert "Correction notice" in text(editor_client.get(CHANGE.format(article.pk)))
    response = editor_client.post(
        CHANGE.format(article.pk),
        form_data(article, body="<p>Fixed figure.</p>", correction_note="We misstated the power output.")
        | {"_publish_changes": "Save and publish changes"},
    )
    assert response.status_code == 302
    assert article.corrections.get().text == "We misstated the power output."
    assert list(article.transitions.values_list("action", flat=True)[:1]) == ["correct"]


def test_a_live_articles_changes_cannot_be_published_incomplete(editor_client, make_article):
    article = make_article("published")
    publish = {"_publish_changes": "Save and publish changes"}
    response = editor_client.post(CHANGE.format(article.pk), form_data(article, section="") | publish)
    assert response.status_code == 200
    assert "Nothing was saved: Cannot publish yet. Missing: Section." in text(response)
    # Kept as a draft it may be incomplete for a while: readers still see the section.
    response = editor_client.post(CHANGE.format(article.pk), form_data(article, section=""))
    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).section_id is not None


# -- workflow buttons and pages --------------------------------------------------------------------


def _buttons(page):
    return re.findall(r"workflow-action-(\w+)", page)


def test_buttons_show_only_what_the_user_may_do(editor_client, client, make_article, writer):
    in_review = make_article("in_review", by=writer)
    assert _buttons(text(editor_client.get(CHANGE.format(in_review.pk)))) == ["approve", "send_back"]
    client.force_login(writer)
    assert _buttons(text(client.get(CHANGE.format(in_review.pk)))) == []
    draft = make_article(by=writer)
    assert _buttons(text(client.get(CHANGE.format(draft.pk)))) == ["submit"]


def test_editor_approves_schedules_and_the_article_goes_live(editor_client, make_article, editor):
    article = make_article("in_review")
    url = f"/admin/articles/article/{article.pk}/workflow/"
    assert editor_client.post(url + "approve/", {"comment": "Good"}).status_code == 302
    past = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = editor_client.post(url + "schedule/", {"publish_at": past})
    assert response.status_code == 400
    assert "Choose a time in the future" in text(response)
    future = timezone.localtime() + timedelta(hours=1)
    response = editor_client.post(url + "schedule/", {"publish_at": future.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Status.SCHEDULED
    assert not Article.objects.live().filter(pk=article.pk).exists()
    assert Article.objects.live(now=future + timedelta(minutes=1)).filter(pk=article.pk).exists()


@pytest.mark.parametrize("action", ["publish", "approve", "withdraw", "nonsense"])
def test_refused_workflow_pages_are_clear_errors_not_500s(writer_client, make_article, writer, action):
    article = make_article("approved", by=writer)
    response = writer_client.post(
        f"/admin/articles/article/{article.pk}/workflow/{action}/", {"comment": "x", "public_reason": "x"}
    )
    assert response.status_code in (400, 404)
    if action != "nonsense":
        assert "Your role may not" in text(response) or "cannot be" in text(response)
    assert Article.objects.get(pk=article.pk).status == Status.APPROVED


def test_publish_page_lists_what_is_missing(editor_client, make_article):
    article = make_article("approved", lead_image=None)
    response = editor_client.post(f"/admin/articles/article/{article.pk}/workflow/publish/", {})
    assert response.status_code == 400
    assert "Missing: Lead image." in text(response)


def test_withdrawing_asks_for_a_public_reason_and_an_internal_note(editor_client, make_article):
    article = make_article("published")
    url = f"/admin/articles/article/{article.pk}/workflow/withdraw/"
    page = text(editor_client.get(url))
    assert "Reason readers and partners see" in page and "Internal note" in page
    for reason, error in [("", "This field is required."), ("<p> </p>", "Write the reason readers and partners")]:
        response = editor_client.post(url, {"public_reason": reason, "comment": "Legal desk asked."})
        assert response.status_code == 400 and error in text(response)
    response = editor_client.post(url, {"public_reason": "x" * 501, "comment": ""})
    assert response.status_code == 400 and "at most 500 characters" in text(response)
    assert Article.objects.get(pk=article.pk).status == Status.PUBLISHED

    response = editor_client.post(url, {"public_reason": "It named the wrong plant.", "comment": "Legal desk asked."})
    assert response.status_code == 302
    stored = Article.objects.get(pk=article.pk)
    assert (stored.status, stored.withdrawal_reason) == (Status.WITHDRAWN, "It named the wrong plant.")
    history = text(editor_client.get(f"/admin/articles/article/{article.pk}/revisions/"))
    assert "Legal desk asked." in history and "Public reason: It named the wrong plant." in history
    # The article's own page says what readers and partners were told, in its panel and its log.
    change = text(editor_client.get(CHANGE.format(article.pk)))
    assert "Readers and partners are told: It named the wrong plant." in change
    assert "Legal desk asked." in change and "Public reason: It named the wrong plant." in change


def test_bulk_actions_are_limited_by_role(editor_client, client, make_article, writer):
    articles = [make_article("in_review", by=writer) for _ in range(3)]
    response = editor_client.post(
        "/admin/articles/article/",
        {"action": "bulk_approve", "_selected_action": [a.pk for a in articles]},
    )
    assert response.status_code == 302
    assert set(Article.objects.values_list("status", flat=True)) == {Status.APPROVED}
    client.force_login(writer)
    page = text(client.get("/admin/articles/article/"))
    assert "bulk_submit" in page and "bulk_approve" not in page and "bulk_publish" not in page


# -- records articles show: tags, bylines, sections -------------------------------------------------


@pytest.fixture
def curator(db):
    """Staff who may change and delete tags, authors and sections but not publish: a role the rule
    must hold back on every path, whatever it is called (writers only add tags)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    user = get_user_model().objects.create_user("cora-curator", is_staff=True)
    codenames = [f"{verb}_{model}" for verb in ("view", "change", "delete") for model in ("tag", "author", "section")]
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="articles", codename__in=codenames))
    return user


def test_what_live_or_scheduled_articles_show_is_changed_only_by_those_who_may_publish(
    client, make_article, tags, section, curator, writer
):
    live, scheduled, draft = make_article("published"), make_article("scheduled"), make_article("draft")
    live.tags.add(tags[0])
    scheduled.tags.add(tags[1])
    draft.tags.add(tags[2])
    Author.objects.create(name="Dana Draft", slug="dana")
    byline = Byline.objects.create(article=draft, author=Author.objects.get(slug="dana"))

    client.force_login(writer)  # may add tags, never change them
    assert client.post(f"/admin/articles/tag/{tags[2].pk}/change/", {"name": "W", "slug": "w"}).status_code == 403

    client.force_login(curator)
    page = text(client.get(f"/admin/articles/tag/{tags[0].pk}/change/"))
    assert f"“{live.headline}” shows this tag" in page and 'name="name"' not in page
    for tag in tags[:2]:
        assert client.post(f"/admin/articles/tag/{tag.pk}/change/", {"name": "X", "slug": "x"}).status_code == 403
    assert client.post(f"/admin/articles/tag/{tags[2].pk}/change/", {"name": "Y", "slug": "y"}).status_code == 302
    live_author = live.bylines.get().author
    author_form = {"name": "Z", "slug": live_author.slug, "bio": ""}
    assert client.post(f"/admin/articles/author/{live_author.pk}/change/", author_form).status_code == 403
    draft_author_form = {"name": "Dana D.", "slug": "dana", "bio": ""}
    assert client.post(f"/admin/articles/author/{byline.author_id}/change/", draft_author_form).status_code == 302
    # The section list's editable column, and a bulk delete of a live article's tag.
    editable = {
        "form-TOTAL_FORMS": 1,
        "form-INITIAL_FORMS": 1,
        "form-0-id": section.pk,
        "form-0-position": 9,
        "_save": "Save",
    }
    assert client.post("/admin/articles/section/", editable).status_code == 302  # the row is skipped
    bulk = {"action": "delete_selected", "_selected_action": [tags[0].pk], "post": "yes"}
    assert client.post("/admin/articles/tag/", bulk).status_code == 403

    assert list(Tag.objects.filter(pk__in=[t.pk for t in tags[:2]]).values_list("name", flat=True)) == [
        tags[0].name,
        tags[1].name,
    ]
    assert Tag.objects.get(pk=tags[2].pk).name == "Y"
    assert (live.bylines.get().author.name, Author.objects.get(slug="dana").name) == (live_author.name, "Dana D.")
    section.refresh_from_db()
    assert section.position == 0


# -- revisions, preview and share links ------------------------------------------------------------


def test_history_compare_and_restore(editor_client, make_article, editor):
    article = make_article(headline="First words")
    article.headline = "Second words"
    save_article(article, editor, 1)
    page = text(editor_client.get(f"/admin/articles/article/{article.pk}/revisions/"))
    assert "Restore this version" in page
    diff = text(editor_client.get(f"/admin/articles/article/{article.pk}/revisions/compare/?a=1&b=2"))
    assert "<del>First</del><ins>Second</ins>" in diff
    assert editor_client.get(f"/admin/articles/article/{article.pk}/revisions/compare/?a=x&b=2").status_code == 404
    assert editor_client.get(f"/admin/articles/article/{article.pk}/revisions/compare/?a=1&b=9").status_code == 404
    response = editor_client.post(f"/admin/articles/article/{article.pk}/revisions/1/restore/", {"version": 2})
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.headline, article.version) == ("First words", 3)
    stale = editor_client.post(
        f"/admin/articles/article/{article.pk}/revisions/1/restore/", {"version": 2}, follow=True
    )
    assert "Not restored" in text(stale)
    assert Article.objects.get(pk=article.pk).version == 3


def test_admin_preview_shows_a_draft_as_readers_will_see_it(editor_client, client, make_article):
    article = make_article(headline="Draft <em>headline</em>", body="<p>Secret draft body.</p>")
    response = editor_client.get(f"/admin/articles/article/{article.pk}/preview/")
    page = text(response)
    assert response.status_code == 200
    assert "Draft &lt;em&gt;headline&lt;/em&gt;" in page and "Secret draft body." in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]
    client.logout()
    assert client.get(f"/admin/articles/article/{article.pk}/preview/").status_code == 302


def test_share_link_works_without_login_and_expires(editor_client, client, make_article, settings):
    article = make_article(body="<p>Secret draft body.</p>")
    page = text(editor_client.get(CHANGE.format(article.pk)))
    url = re.search(r'id="share-url" type="text" readonly value="([^"]+)"', page).group(1)
    path = url.removeprefix(settings.SITE_URL)
    client.logout()
    response = client.get(path)
    assert response.status_code == 200 and "Secret draft body." in text(response)
    assert response["Referrer-Policy"] == "no-referrer"

    tampered = client.get(path[:-3] + "abc/")
    assert tampered.status_code == 403 and "Secret" not in text(tampered)
    assert client.get("/preview/not-a-token/").status_code == 403
    settings.PREVIEW_LINK_MAX_AGE = -1
    expired = client.get(path)
    assert expired.status_code == 404 and "Secret" not in text(expired)


def test_share_link_stops_working_when_the_article_is_withdrawn(make_article, editor, client):
    from articles.preview import share_url

    article = make_article("published")
    path = share_url(article).split("://", 1)[1].split("/", 1)[1]
    workflow.withdraw(article, editor, "Legal")
    assert client.get("/" + path).status_code == 404


def test_rich_text_editor_loads_under_the_csp(editor_client, make_article):
    response = editor_client.get(CHANGE.format(make_article().pk))
    page = text(response)
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'<script type="importmap" nonce="{nonce}">' in page
    assert re.search(
        rf'<script src="[^"]*django_prose_editor/editor.js" type="module" nonce="{nonce}"|'
        rf'<script nonce="{nonce}" src="[^"]*django_prose_editor/editor.js"',
        page,
    ) or ("django_prose_editor/editor.js" in page and f'nonce="{nonce}"' in page)
    assert "data-django-prose-editor-configurable" in page


# -- the desk and query counts ---------------------------------------------------------------------


def test_desk_shows_what_needs_attention(editor_client, make_article, writer, editor, client):
    waiting = make_article("in_review", headline="Waiting piece")
    scheduled = make_article("scheduled", headline="Tomorrow piece")
    published = make_article("published", headline="Fresh piece")
    workflow.correct(published, editor, "Fixed a name.")
    make_article(headline="Writer draft", by=writer)
    page = text(editor_client.get("/admin/"))
    for article in (waiting, scheduled, published):
        assert CHANGE.format(article.pk) in page
    assert "goes live" in page and "corrected" in page
    client.force_login(writer)
    assert "Writer draft" in text(client.get("/admin/"))


def _many_articles(make_article, writer, count):
    authors = [Author.objects.create(name=f"Author {i}", slug=f"author-{i}-{count}") for i in range(3)]
    tags = [Tag.objects.get_or_create(name=f"T{i}", slug=f"t{i}")[0] for i in range(4)]
    made = []
    for _ in range(count):
        article = make_article(by=writer)
        for position, author in enumerate(authors):
            Byline.objects.create(article=article, author=author, position=position + 1)
        article.tags.set(tags)
        for _ in range(3):
            save_article(article, writer, article.version, "another save")
        made.append(article)
    return made


@pytest.mark.parametrize("count", [2, 8])
def test_changelist_runs_a_fixed_number_of_queries(
    editor_client, make_article, writer, count, django_assert_num_queries
):
    _many_articles(make_article, writer, count)
    ContentType.objects.get_for_model(Article)
    # 13: one of them loads the lead images' existing renditions, for the thumbnails.
    with django_assert_num_queries(13):
        response = editor_client.get("/admin/articles/article/")
    assert response.status_code == 200
    assert text(response).count("Author 2") >= count


@pytest.mark.parametrize("count", [1, 6])
def test_change_form_runs_a_fixed_number_of_queries(
    editor_client, make_article, writer, count, django_assert_num_queries
):
    article = _many_articles(make_article, writer, count)[0]
    from vehicles.models import Make, VehicleModel

    make = Make.objects.create(name=f"Make {count}", slug=f"make-{count}")
    for i in range(count):
        model = VehicleModel.objects.create(
            make=make, name=f"M{i}", slug=f"m{i}", vehicle_type="passenger_car", body_class="Sedan"
        )
        ArticleVehicle.objects.create(article=article, vehicle_model=model, position=i)
    ContentType.objects.get_for_model(Article)  # cached per process: warm it so the count is stable
    # 20: one of them finds the latest step back to draft, which the share link is signed against;
    # whether the article is live is loaded with it (it was asked with a query of its own 2 times).
    # The typed-in tags are the article's own (the autocomplete looked them up a second time);
    # 1 asks for pending changes; 3 record this editor as having it open and ask who else has.
    with django_assert_num_queries(20):
        response = editor_client.get(CHANGE.format(article.pk))
    assert response.status_code == 200


def test_a_live_articles_change_form_asks_whether_it_is_live_with_the_article(
    editor_client, make_article, django_assert_num_queries
):
    """The permission checks, the workflow buttons, the fieldsets and the status line all ask
    whether the article is live: the answer comes with the article, not a query per question
    (which made this page 43 queries)."""
    article = make_article("published")
    ContentType.objects.get_for_model(Article)
    with django_assert_num_queries(19):  # 15, and 4: pending changes, who else has it open
        response = editor_client.get(CHANGE.format(article.pk))
    assert response.status_code == 200 and "live now" in text(response)
    assert "Publish correction" in text(response) and 'name="correction_note"' in text(response)


def test_desk_runs_a_fixed_number_of_queries(editor_client, make_article, writer, django_assert_num_queries):
    for status in ("in_review", "scheduled", "published", "draft", "published"):
        make_article(status)
    with django_assert_num_queries(10):  # 1 of them: live stories' changes waiting for review
        assert editor_client.get("/admin/").status_code == 200


def test_editor_group_fixture_is_the_real_role(editor):
    assert editor.groups.filter(pk=Group.objects.get(name=EDITOR).pk).exists()


def test_list_filters_scheduled_versus_live(editor_client, make_article):
    live = make_article("published", headline="Live one")
    later = make_article("scheduled", headline="Later one")
    draft = make_article(headline="Draft one")
    page = text(editor_client.get("/admin/articles/article/?visibility=scheduled"))
    assert later.headline in page and live.headline not in page and draft.headline not in page
    page = text(editor_client.get("/admin/articles/article/?visibility=live"))
    assert live.headline in page and later.headline not in page
    page = text(editor_client.get("/admin/articles/article/?status=draft&q=Draft"))
    assert draft.headline in page and live.headline not in page
    assert editor_client.get("/admin/articles/article/?author=abc").status_code == 200
    Article.objects.filter(pk=later.pk).update(publish_at=timezone.now() - timedelta(minutes=1))
    page = text(editor_client.get("/admin/articles/article/?visibility=live"))
    assert later.headline in page and '"article-status article-status-scheduled"' not in page  # "Live": the one rule
    assert "goes live" not in text(editor_client.get("/admin/"))  # on the desk it is live, not waiting


def test_add_form_and_read_only_pages_render(writer_client, make_article, other_writer):
    assert writer_client.get("/admin/articles/article/add/").status_code == 200
    published = make_article("published", by=other_writer)
    page = writer_client.get(CHANGE.format(published.pk))
    assert page.status_code == 200 and "Workflow log" in text(page)
    assert writer_client.get("/admin/articles/article/999999/change/").status_code == 302  # "doesn't exist" redirect
    assert writer_client.get(f"/admin/articles/article/{published.pk}/revisions/").status_code == 200


@pytest.mark.postgres
@ON_POSTGRES_ONLY
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_editors_saving_at_once_in_the_admin(make_article, editor, other_writer):
    """Two browsers post the same loaded version at once: one saves, the other sees the conflict
    with its own text still in the form."""
    import threading

    from django.db import connections
    from django.test import Client

    other_writer.groups.add(Group.objects.get(name=EDITOR))
    article = make_article(by=editor, editor=editor)
    loaded = form_data(article)
    barrier = threading.Barrier(2)
    responses = {}

    def post_as(user, headline):
        try:
            browser = Client()
            browser.force_login(user)
            barrier.wait(timeout=10)
            responses[headline] = browser.post(CHANGE.format(article.pk), loaded | {"headline": headline})
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=post_as, args=(editor, "First editor's words")),
        threading.Thread(target=post_as, args=(other_writer, "Second editor's words")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    codes = sorted(r.status_code for r in responses.values())
    assert codes == [200, 302]
    [(winner, _)] = [(h, r) for h, r in responses.items() if r.status_code == 302]
    [(loser, refused)] = [(h, r) for h, r in responses.items() if r.status_code == 200]
    page = text(refused)
    assert "Someone else saved this article while you were editing" in page
    assert f'value="{loser}"'.replace("'", "&#x27;") in page
    stored = Article.objects.get(pk=article.pk)
    assert (stored.headline, stored.version) == (winner, 2)
    assert Revision.objects.get(article=article, version=2).snapshot["headline"] == winner


# -- review fixes: share links, refused saves, odd numbers -----------------------------------------


def _share_path(page, settings):
    match = re.search(r'id="share-url" type="text" readonly value="([^"]+)"', page)
    return match and match.group(1).removeprefix(settings.SITE_URL)


def test_only_those_who_may_change_or_approve_an_article_get_its_share_link(
    client, make_article, writer, other_writer, editor, settings
):
    article = make_article(by=other_writer, body="<p>Secret draft body.</p>")
    client.force_login(writer)
    page = client.get(CHANGE.format(article.pk))
    assert page.status_code == 200 and "Camry" in text(page)  # writers may read every article …
    assert _share_path(text(page), settings) is None  # … but may not hand it to the world
    client.force_login(other_writer)
    assert _share_path(text(client.get(CHANGE.format(article.pk))), settings)
    workflow.submit(article, other_writer)  # no longer the writer's to change: no new link for them
    assert _share_path(text(client.get(CHANGE.format(article.pk))), settings) is None
    client.force_login(editor)
    path = _share_path(text(client.get(CHANGE.format(article.pk))), settings)
    client.logout()
    assert "Secret draft body." in text(client.get(path))


@pytest.mark.parametrize("steps", [["send_back"], ["approve", "publish", "withdraw", "redraft"]])
def test_taking_an_article_back_revokes_its_earlier_share_links(client, make_article, editor, steps, settings):
    from articles.preview import share_url

    article = make_article("in_review", body="<p>Secret draft body.</p>")
    old_path = share_url(article).removeprefix(settings.SITE_URL)
    assert client.get(old_path).status_code == 200
    for step in steps:
        workflow.perform(step, article, editor, comment="Legal asked us to.", public_reason="Legal reasons.")
    assert Article.objects.get(pk=article.pk).status == Status.DRAFT
    revoked = client.get(old_path)
    assert revoked.status_code == 404 and "Secret" not in text(revoked)
    assert "Secret draft body." in text(client.get(share_url(article).removeprefix(settings.SITE_URL)))


def test_a_share_link_survives_steps_forward(client, make_article, editor, settings):
    from articles.preview import share_url

    article = make_article("in_review", body="<p>Secret draft body.</p>")
    path = share_url(article).removeprefix(settings.SITE_URL)
    workflow.approve(article, editor)
    assert "Secret draft body." in text(client.get(path))


def test_a_scheduled_article_cannot_be_saved_empty_and_the_text_is_kept(editor_client, make_article):
    article = make_article("scheduled")
    response = editor_client.post(
        CHANGE.format(article.pk), form_data(article, headline="Typed by the editor", body="", section="")
    )
    page = text(response)
    assert response.status_code == 200
    assert "This article is scheduled to go live, so it must stay complete. Missing: Body text; Section." in page
    assert 'value="Typed by the editor"' in page
    stored = Article.objects.get(pk=article.pk)
    assert (stored.version, stored.section_id) == (1, article.section_id)


def test_restoring_an_incomplete_version_of_a_scheduled_article_is_refused(editor_client, make_article, editor):
    article = make_article()
    article.section = None
    save_article(article, editor, 1)
    article.refresh_from_db()
    article.section_id = make_article().section_id
    save_article(article, editor, 2)
    workflow.submit(article, editor)
    workflow.approve(article, editor)
    workflow.schedule(article, editor, timezone.now() + timedelta(hours=1))
    response = editor_client.post(f"/admin/articles/article/{article.pk}/revisions/2/restore/", {"version": 3})
    page = text(editor_client.get(response["Location"]))
    assert "Not restored: This article is scheduled to go live, so it must stay complete. Missing: Section." in page
    assert Article.objects.get(pk=article.pk).section_id is not None


def test_a_save_the_workflow_refuses_midway_shows_the_form_again_with_the_text_kept(
    editor_client, make_article, editor, monkeypatch
):
    """A colleague schedules the article between this form's checks and its write: the save is
    refused and the editor sees why, with what they typed still in the form."""
    from articles.forms import ArticleForm

    article = make_article("approved")
    check_version = ArticleForm._check_version
    raced = []

    def colleague_schedules_meanwhile(form, cleaned):
        check_version(form, cleaned)
        if not raced:
            raced.append(workflow.schedule(Article.objects.get(pk=article.pk), editor, timezone.now() + timedelta(1)))

    monkeypatch.setattr(ArticleForm, "_check_version", colleague_schedules_meanwhile)
    response = editor_client.post(
        CHANGE.format(article.pk), form_data(article, headline="Typed by the editor", body="<p> </p>")
    )
    page = text(response)
    assert raced and response.status_code == 200
    assert "Nothing was saved: This article is scheduled to go live, so it must stay complete." in page
    assert 'value="Typed by the editor"' in page
    assert Article.objects.get(pk=article.pk).version == 1


@pytest.mark.parametrize("number", ["²", "٣", "0", "99999999999999999999"])
def test_odd_numbers_in_admin_addresses_are_never_a_500(editor_client, make_article, number):
    article = make_article()
    base = f"/admin/articles/article/{article.pk}"
    assert editor_client.get(f"/admin/articles/article/?author={number}").status_code == 200
    assert editor_client.get(f"/admin/articles/article/{number}/change/").status_code == 302  # "doesn't exist"
    assert editor_client.get(f"{base}/revisions/compare/?a=1&b={number}").status_code == 404
    assert editor_client.get(f"{base}/revisions/compare/?a={number}&b=1").status_code == 404
    restore = editor_client.post(f"{base}/revisions/1/restore/", {"version": number}, follow=True)
    assert restore.status_code == 200 and "Not restored" in text(restore)
    vehicle = editor_client.post(
        CHANGE.format(article.pk),
        form_data(
            article,
            **{
                "article_vehicles-TOTAL_FORMS": 1,
                "article_vehicles-0-vehicle_model": number,
                "article_vehicles-0-position": 0,
            },
        ),
    )
    assert vehicle.status_code == 200 and "Select a valid choice" in text(vehicle)


def test_a_status_change_while_editing_is_refused_like_a_conflict(editor_client, make_article, writer, editor):
    """Approved when the editor opened it, published by a colleague meanwhile: saving must not send
    the editor's unreviewed change to readers as an update without a word."""
    article = make_article("approved")
    loaded = form_data(article, loaded_status="approved")
    colleague = Article.objects.get(pk=article.pk)
    workflow.publish(colleague, editor)
    mine = loaded | {"headline": "Typed by the editor"}
    response = editor_client.post(CHANGE.format(article.pk), mine)
    page = text(response)
    assert response.status_code == 200
    published_at = timezone.localtime(colleague.last_published_at)
    assert f"Eddie Editor published this article at {published_at:%H:%M} while you were editing" in page
    assert 'value="Typed by the editor"' in page
    assert 'name="loaded_status" value="published"' in page  # saving again after reading it goes through
    assert Article.objects.get(pk=article.pk).headline != "Typed by the editor"
    assert not article.transitions.filter(action="update").exists()

    response = editor_client.post(CHANGE.format(article.pk), mine | {"loaded_status": "published"})
    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).headline != "Typed by the editor"  # a draft over the live story
    assert not article.transitions.filter(action="update").exists()
