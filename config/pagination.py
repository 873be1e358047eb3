"""Paging for every list endpoint."""

from rest_framework.pagination import LimitOffsetPagination


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """``limit`` is capped: an absurd one (10^27) would overflow PostgreSQL's LIMIT, and a client
    asking for everything at once gets pages of at most ``max_limit`` instead."""

    max_limit = 500
