"""The web layer: blueprints that adapt HTTP to the `tabular` package, which knows no Flask."""
