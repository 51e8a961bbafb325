"""User accounts in the admin: a site admin manages them without ever reaching past its own
rights (by the form, by a crafted POST or by a bulk action), and every change of an account's
groups or flags is in the audit log with who, whose account, and each right before → after."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from newsroom.core.roles import EDITOR, SITE_ADMIN, WRITER
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
User = get_user_model()
CHANGE = "/admin/auth/user/{}/change/"


@pytest.fixture
def admin_client(client, site_admin):
    client.force_login(site_admin)
    return client


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", "root@example.com", PASSWORD)


def account_form(account, **overrides):
    """What the change form posts for ``account`` as it is now, with ``overrides``."""
    account.refresh_from_db()
    joined = {
        "date_joined_0": account.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": account.date_joined.strftime("%H:%M:%S"),
    }
    data = {
        "username": account.username,
        "first_name": account.first_name,
        "last_name": account.last_name,
        "email": account.email,
        "groups": [str(pk) for pk in account.groups.values_list("pk", flat=True)],
        **joined,
        **{f"initial-{name}": value for name, value in joined.items()},  # the form's hidden copy
    }
    if account.is_active:
        data["is_active"] = "on"
    return data | overrides


def rights(account):
    account = User.objects.get(pk=account.pk)
    return (
        account.is_superuser,
        account.is_staff,
        sorted(account.groups.values_list("name", flat=True)),
        list(account.user_permissions.all()),
    )


def test_a_site_admin_cannot_make_anyone_a_superuser_or_staff_even_by_a_crafted_post(admin_client, site_admin):
    newcomer = User.objects.create_user("newcomer", password=PASSWORD)
    page = admin_client.get(CHANGE.format(newcomer.pk)).content.decode()
    assert 'name="is_superuser"' not in page and 'name="is_staff"' not in page
    assert 'name="user_permissions"' not in page
    # The form says why they are read-only and where admin access comes from instead.
    assert "Admin access comes with a role" in page and "a superuser’s to change" in page
    delete_user = Permission.objects.get(codename="delete_user")
    for account in (newcomer, site_admin):
        crafted = account_form(account, is_superuser="on", is_staff="on", user_permissions=[str(delete_user.pk)])
        before = rights(account)
        admin_client.post(CHANGE.format(account.pk), crafted)
        assert rights(account) == before
        assert not User.objects.get(pk=account.pk).has_perm("auth.delete_user")


def test_a_site_admin_gives_roles_it_holds_and_admin_access_comes_with_them(admin_client, site_admin):
    newcomer = User.objects.create_user("newcomer", password=PASSWORD)
    writer = Group.objects.get(name=WRITER)
    response = admin_client.post(CHANGE.format(newcomer.pk), account_form(newcomer, groups=[str(writer.pk)]))
    assert response.status_code == 302
    assert rights(newcomer) == (False, True, [WRITER], [])
    editor = Group.objects.get(name=EDITOR)
    admin_client.post(CHANGE.format(newcomer.pk), account_form(newcomer, groups=[str(editor.pk), str(writer.pk)]))
    admin_client.post(CHANGE.format(newcomer.pk), account_form(newcomer, groups=[]))
    assert rights(newcomer) == (False, False, [], [])

    entries = [entry.get_change_message() for entry in LogEntry.objects.filter(object_id=str(newcomer.pk))]
    assert entries == [
        "Groups: Editor, Writer → none; Staff status: yes → no.",
        "Groups: Writer → Editor, Writer.",
        "Groups: none → Writer; Staff status: no → yes.",
    ]
    assert {entry.user for entry in LogEntry.objects.filter(object_id=str(newcomer.pk))} == {site_admin}
    history = admin_client.get(f"/admin/auth/user/{newcomer.pk}/history/").content.decode()
    assert "Groups: none → Writer; Staff status: no → yes." in history


def test_a_site_admin_cannot_give_itself_or_anyone_a_group_beyond_its_own_rights(admin_client, site_admin):
    operators = Group.objects.create(name="Operators")
    operators.permissions.add(Permission.objects.get(codename="delete_user"))
    colleague = User.objects.create_user("colleague", password=PASSWORD, is_staff=True)
    colleague.groups.add(operators)  # given by a superuser
    for account, groups in ((site_admin, [site_admin.groups.get(), operators]), (colleague, [])):
        before = rights(account)
        response = admin_client.post(
            CHANGE.format(account.pk), account_form(account, groups=[str(group.pk) for group in groups])
        )
        assert response.status_code == 200
        assert "You may not give or take away “Operators”" in response.content.decode()
        assert rights(account) == before
    assert not LogEntry.objects.exists()


def test_a_superusers_account_is_out_of_a_site_admins_reach(admin_client, root):
    before = (rights(root), User.objects.get(pk=root.pk).password)
    assert admin_client.get(CHANGE.format(root.pk)).status_code == 200  # may look
    assert 'name="username"' not in admin_client.get(CHANGE.format(root.pk)).content.decode()
    assert admin_client.post(CHANGE.format(root.pk), account_form(root, username="mine")).status_code == 403
    password_url = f"/admin/auth/user/{root.pk}/password/"
    assert admin_client.post(password_url, {"password1": "taken over!", "password2": "taken over!"}).status_code == 403
    bulk = admin_client.post("/admin/auth/user/", {"action": "delete_selected", "_selected_action": [root.pk]})
    assert bulk.status_code in (200, 302)
    assert (rights(root), User.objects.get(pk=root.pk).password) == before
    assert User.objects.get(pk=root.pk).username == "root"


def test_groups_are_defined_in_code_not_edited_by_a_site_admin(admin_client):
    group = Group.objects.get(name=SITE_ADMIN)
    before = set(group.permissions.all())
    delete_user = Permission.objects.get(codename="delete_user")
    data = {"name": SITE_ADMIN, "permissions": [str(p.pk) for p in before | {delete_user}]}
    assert admin_client.post(f"/admin/auth/group/{group.pk}/change/", data).status_code == 403
    assert set(group.permissions.all()) == before


def test_only_a_superuser_grants_superuser_and_staff_status_and_it_is_logged(client, root):
    client.force_login(root)
    account = User.objects.create_user("trusted", password=PASSWORD)
    response = client.post(CHANGE.format(account.pk), account_form(account, is_superuser="on", is_staff="on"))
    assert response.status_code == 302
    assert rights(account)[:2] == (True, True)
    [entry] = LogEntry.objects.filter(object_id=str(account.pk))
    assert (entry.user, entry.object_repr) == (root, "trusted")
    assert entry.get_change_message() == "Superuser status: no → yes; Staff status: no → yes."
    client.post(
        CHANGE.format(account.pk), account_form(account, is_superuser="on", is_staff="on", email="t@example.com")
    )
    assert LogEntry.objects.first().get_change_message() == "Changed Email address."
    client.post(CHANGE.format(account.pk), account_form(account, is_staff="on", email="x@example.com"))
    assert LogEntry.objects.first().get_change_message() == "Superuser status: yes → no; also changed Email address."
