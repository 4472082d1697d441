"""The web application: pages, the action API, auth and roles, and the journal (models and store).

It never imports `sync/`: pages learn the sync state from the journal, so the app runs with no Odoo code loaded.
"""
