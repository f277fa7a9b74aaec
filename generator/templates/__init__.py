"""Company templates: fetching, layering overlays, checking variables and hooks."""
