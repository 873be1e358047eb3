from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from audit.roles import ROLES, access_matrix_markdown, roles_sync

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[2] / "docs" / "access-matrix.md"


def _codes(group: Group) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_every_role_group_exists_after_migrate():
    names = set(Group.objects.values_list("name", flat=True))
    assert {"录入客服", "医学审核", "调度协调", "运营管理", "服务商", "产品配置"} <= names


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.key)
def test_each_role_holds_exactly_its_listed_permissions(role):
    assert _codes(Group.objects.get(name=role.name)) == set(role.permissions)


def test_every_listed_permission_exists():
    existing = {f"{app}.{code}" for app, code in Permission.objects.values_list("content_type__app_label", "codename")}
    listed = {code for role in ROLES for code in role.permissions}
    assert listed - existing == set()


@pytest.mark.parametrize(
    ("role", "permission", "held"),
    [
        ("医学审核", "cases.review_case", True),
        ("医学审核", "cases.dispatch_case", False),
        ("调度协调", "cases.dispatch_case", True),
        ("调度协调", "cases.review_case", False),
        ("运营管理", "cases.view_case", True),
        ("运营管理", "cases.change_case", False),
        ("运营管理", "cases.close_case", False),
        ("运营管理", "audit.view_auditevent", True),
        ("运营管理", "audit.reveal_personal_data", False),
        ("服务商", "cases.provider_act", True),
        ("服务商", "cases.view_case", False),
        ("产品配置", "workdays.change_calendarday", True),
        ("产品配置", "cases.view_case", False),
        ("录入客服", "cases.submit_case", True),
        ("录入客服", "audit.view_auditevent", False),
    ],
)
def test_role_permission_cells(staff, role, permission, held):
    key = next(r.key for r in ROLES if r.name == role)
    assert staff(key).has_perm(permission) is held


def test_manager_holds_no_write_permission_but_revoking_an_exemption():
    # The one decision a manager takes: revoking a coordinator's "医院内特殊情况除外" exemption.
    codes = _codes(Group.objects.get(name="运营管理")) - {"cases.revoke_sla_exemption"}
    assert all(code.split(".")[1].startswith("view_") for code in codes)


def test_sync_restores_a_permission_removed_by_hand_and_drops_one_added():
    group = Group.objects.get(name="医学审核")
    group.permissions.remove(Permission.objects.get(codename="review_case"))
    group.permissions.add(Permission.objects.get(codename="dispatch_case"))
    roles_sync()
    assert "cases.review_case" in _codes(group)
    assert "cases.dispatch_case" not in _codes(group)


def test_sync_twice_changes_nothing():
    before = {g.name: _codes(g) for g in Group.objects.all()}
    roles_sync()
    assert {g.name: _codes(g) for g in Group.objects.all()} == before


def test_codename_not_yet_defined_is_skipped(monkeypatch):
    from audit import roles

    manager = roles.MANAGER
    widened = roles.Role(manager.key, manager.name, (*manager.permissions, "reports.export_report"))
    monkeypatch.setattr(roles, "ROLES", tuple(widened if r is manager else r for r in roles.ROLES))
    held = roles_sync()
    assert held["运营管理"] == len(manager.permissions)


@pytest.mark.django_db(transaction=True)
def test_roles_survive_a_flushed_database():
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    assert Group.objects.filter(name__in=[r.name for r in ROLES]).count() == len(ROLES)


def test_access_matrix_document_matches_the_role_table():
    text = DOC.read_text(encoding="utf-8")
    begin = text.index("-->\n", text.index("<!-- access-matrix:begin")) + len("-->\n")
    end = text.index("<!-- access-matrix:end -->")
    assert text[begin:end] == access_matrix_markdown(), "regenerate with audit.roles.access_matrix_markdown()"


def _admin_pages():
    for model in admin.site._registry:
        yield pytest.param(model, id=model._meta.label_lower)


@pytest.mark.parametrize("model", list(_admin_pages()))
@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.key)
def test_admin_list_page_opens_exactly_for_roles_that_may_see_it(client, staff, role, model):
    user = staff(role.key, is_staff=role.key != "provider")
    client.force_login(user)
    model_admin = admin.site._registry[model]
    request = type("R", (), {"user": user})()
    allowed = user.is_staff and model_admin.has_view_or_change_permission(request)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.get(url)
    if not user.is_staff:
        assert response.status_code == 302  # to the login page: provider users never enter the admin
    else:
        assert response.status_code == (200 if allowed else 403)
