MANAGER_GROUP = "运营管理"


def can_view_reports(user) -> bool:
    """Managers read the reports: the permission, or membership of the 运营管理 role group."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.has_perm("sla.view_reports") or user.groups.filter(name=MANAGER_GROUP).exists()
