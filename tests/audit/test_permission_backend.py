"""Permissions are read in one query per request; the answer is the stock backend's."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.roles import COORDINATOR
from tests.factories.cases import UserFactory

pytestmark = pytest.mark.django_db


def _fresh(user):
    return type(user).objects.get(pk=user.pk)  # no permission cache


def test_direct_and_group_permissions_are_both_held_after_one_query():
    user = UserFactory(username="mixed")
    user.groups.add(Group.objects.get(name=COORDINATOR.name))
    user.user_permissions.add(Permission.objects.get(content_type__app_label="cases", codename="pay_claim"))
    user = _fresh(user)

    with CaptureQueriesContext(connection) as queries:
        assert user.has_perm("cases.dispatch_case")  # from the group
        assert user.has_perm("cases.pay_claim")  # given directly
        assert not user.has_perm("cases.review_case")
    assert len(queries) == 1
    assert user.get_all_permissions() == ModelBackend().get_all_permissions(_fresh(user))


def test_inactive_users_hold_nothing_and_superusers_hold_everything():
    inactive = UserFactory(username="gone", is_active=False)
    inactive.groups.add(Group.objects.get(name=COORDINATOR.name))
    boss = UserFactory(username="root", is_superuser=True)

    assert not _fresh(inactive).has_perm("cases.dispatch_case")
    assert _fresh(boss).get_all_permissions() == ModelBackend().get_all_permissions(_fresh(boss))


def test_the_token_check_reads_the_same_permissions_in_its_own_statement():
    from audit.models import ApiToken
    from audit.tokens import ApiTokenAuthentication, api_token_issue

    user = UserFactory(username="mixed")
    user.groups.add(Group.objects.get(name=COORDINATOR.name))
    user.user_permissions.add(Permission.objects.get(content_type__app_label="cases", codename="pay_claim"))
    key = api_token_issue(user=user)
    assert ApiToken.objects.filter(user=user).exists()

    with CaptureQueriesContext(connection) as queries:
        caller, _ = ApiTokenAuthentication().authenticate_credentials(key)
        assert caller.has_perm("cases.dispatch_case") and caller.has_perm("cases.pay_claim")
        assert not caller.has_perm("cases.review_case")
    assert len(queries) == 1
    assert caller.get_all_permissions() == ModelBackend().get_all_permissions(_fresh(user))


def test_the_token_statement_loads_the_user_membership_and_permissions_at_once():
    """The API token is read with its user, the user's provider membership (or its absence) and
    permissions in one statement: answering who the caller is and what they may do reads nothing more."""
    from audit.tokens import ApiTokenAuthentication
    from tests.factories.audit import api_key
    from tests.factories.providers import ProviderMemberFactory

    staff = UserFactory(username="desk")
    staff.groups.add(Group.objects.get(name=COORDINATOR.name))
    member = ProviderMemberFactory()
    for user, dispatches, provider in ((staff, True, None), (member.user, False, member.provider.name)):
        key = api_key(user)
        with CaptureQueriesContext(connection) as queries:
            found, _ = ApiTokenAuthentication().authenticate_credentials(key)
            membership = getattr(found, "provider_member", None)
            assert found.has_perm("cases.dispatch_case") is dispatches
            assert (membership.provider.name if membership else None) == provider
        assert len(queries) == 1
        assert found.get_all_permissions() == ModelBackend().get_all_permissions(_fresh(user))


def test_the_token_statement_is_planned_once_per_connection():
    """Prepared on first use in a connection (its planning cost three times its execution) and still
    seen by the query log like any other statement."""
    from audit.tokens import token_with_user
    from tests.factories.audit import api_key

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s AND statement LIKE %s",
                ["%FROM audit_apitoken t%", "%t.digest = $1%"],
            )
            return cursor.fetchone()[0]

    user = UserFactory(username="twice")
    api_key(user)
    digest = type(user).objects.get(pk=user.pk).api_tokens.get().digest
    with CaptureQueriesContext(connection) as queries:
        assert token_with_user(digest)[0].user == user
        assert token_with_user(digest)[0].user == user
    assert len(queries) == 2
    assert prepared() == 1
    assert token_with_user("0" * 64) is None
