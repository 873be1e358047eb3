from entitlements import catalog_admin  # noqa: F401  (registers the catalogue's admin pages)
