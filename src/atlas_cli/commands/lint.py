"""`atlas lint` (placeholder until the lint engine lands)."""

def register(app):
    pass
