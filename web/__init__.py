"""The web layer: blueprints that adapt HTTP to the `charges` package, which knows no Flask."""
