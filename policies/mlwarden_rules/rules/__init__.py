"""Rule modules, one per resource family; :mod:`mlwarden_rules.registry` lists them."""
