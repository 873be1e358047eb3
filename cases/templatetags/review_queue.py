"""The home page's link to the review queue, with the queue's own counts (cases.queue)."""

from django import template

from cases import queue

register = template.Library()


@register.simple_tag
def review_queue_links(user) -> dict[str, list[dict]]:
    return queue.queue_links(counts=queue.queue_counts(user=user), tab=queue.DEFAULT_TAB, view=queue.DEFAULT_VIEW)
