from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from notifications.models import Notification
from notifications.services import notification_mark_read, notification_open


class AuthenticatedHttpRequest(HttpRequest):
    """A request past ``login_required``: its user is signed in."""

    user: User


@login_required
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    mine = Notification.objects.filter(recipient=request.user)
    unread_only = request.GET.get("show") == "unread"
    notifications = (mine.filter(read_at__isnull=True) if unread_only else mine).order_by("-created_at")
    page = Paginator(notifications, 50).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page, "unread_only": unread_only})


@login_required
def open_notice(request: AuthenticatedHttpRequest, notification_id: int) -> HttpResponse:
    """Open the case a notice is about; the notice is read from then on."""
    notice = notification_open(user=request.user, notification_id=notification_id)
    if notice is None or not notice.link.startswith("/"):
        return redirect("notifications:inbox")
    return redirect(notice.link)


@login_required
@require_POST
def mark_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    ids = request.POST.getlist("id")
    notification_mark_read(user=request.user, notification_ids=[int(i) for i in ids if i.isdigit()] or None)
    return redirect("notifications:inbox")
