"""Everything that talks to Odoo; reads and writes the journal only through `pwa`'s store.

Module plan:
- gateway.py  — the one place for odoorpc / JSON-2: connect, detect the version (17 `detailed_type`,
                18 `type` + `is_storable`), timeouts, re-login, batch reads.
- catalog.py  — pull products, packaging, locations, par levels, open receipts and transfers into the catalog.
- push.py     — push journal actions into Odoo exactly once, one mapping per action type (DESIGN §5).
- retry.py    — classify errors (transient / permanent) and schedule the next attempt with backoff + jitter.
- worker.py   — the claim-and-push loop and its CLI (`flask --app app sync run|pull`, `actions …`, `odoo check`).
"""
