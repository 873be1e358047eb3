"""Admin pages for the handbook catalogue. Filled in with the catalogue admin work."""
