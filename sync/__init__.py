"""Everything that talks to Odoo; reads and writes the journal only through `pwa`'s store (`pwa.journal`).

- gateway.py  — the one place for odoorpc / JSON-2: connect, detect the version (17 `detailed_type`,
                18 `type` + `is_storable`), timeouts, re-login, errors sorted into transient and permanent.
- mapping.py  — the app's locations and the warehouse's operation types as Odoo records.
- check.py    — `odoo check [--fix]`: what the mapping needs in Odoo.
- catalog.py  — pull products, packaging, locations, par levels, stock, open receipts and transfers.
- push.py     — push claimed actions exactly once, batched per type; the per-type mappings (DESIGN §5) are
                pickings.py (requisition, transfer_confirm, receive, issue, return), invoices.py (charges),
                scraps.py (waste) and quants.py (count).
- retry.py    — when to try again: exponential backoff with jitter.
- worker.py   — the claim-push-record loop; cli.py — `sync run|pull`, `actions …`, `odoo check`.
"""
