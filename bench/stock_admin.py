"""The first peer: Django's stock admin on the same ``cases_case`` table, mounted by ``bench/urls.py``.

A plain ``ModelAdmin`` as a team would first write it: the queue's columns, filters and search
fields named, everything else Django's defaults — the full ``COUNT(*)`` for the paginator and the
"N total" link, ``icontains`` search OR-ed across the fields (the policy number through its join),
filter choices taken from the table, no ``list_select_related`` beyond the list's foreign keys,
the default ordering (``-pk``). Mounted under the bench settings only (``bench/urls.py``), at
``/bench/stock-admin/``; never part of the product's URLs.
"""

from django.contrib import admin

from cases.models import Case


class StockAdminSite(admin.AdminSite):
    site_header = "Django administration (stock peer)"


site = StockAdminSite(name="stock_admin")


class StockCaseAdmin(admin.ModelAdmin):
    list_display = ["number", "service", "state", "channel", "beneficiary", "holder", "submitted_at"]
    list_filter = ["state", "service", "enrollment__edition", "channel"]
    search_fields = ["number", "enrollment__policy__policy_no", "id_tail"]
    list_per_page = 100  # the project's queue page, so the rows shown are the same


site.register(Case, StockCaseAdmin)
