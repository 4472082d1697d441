"""`flask --app app odoo check [--fix]`: what the mapping needs in Odoo, said plainly, and made when asked."""
from __future__ import annotations

import pytest

from app import create_app
from pwa.config import OdooSettings
from tests.odoo_double import OdooDouble


@pytest.fixture
def fresh_odoo(database_url):
    """A new Odoo as installed, nothing configured for the wards yet, and an app pointing at it."""
    double = OdooDouble(version=17).start()
    app = create_app({"SQLALCHEMY_DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key-not-for-production",
                      "TESTING": True, "ODOO": OdooSettings(double.url, double.db, double.login, double.password)})
    yield double, app.test_cli_runner()
    app.extensions["journal_engine"].dispose()
    double.stop()


def test_check_says_what_is_missing_and_fix_makes_it_once(fresh_odoo):
    double, runner = fresh_odoo
    first = runner.invoke(args=["odoo", "check"])
    assert first.exit_code == 1
    assert "Odoo 17.0" in first.output and "database wardsupply, user admin" in first.output
    assert "MISSING  department location WARD-4B: WARD-4B has no location in Odoo" in first.output
    assert "MISSING  scrap location SCRAP" in first.output
    assert "ok       warehouse WH" in first.output and "ok       sales journal: Customer Invoices" in first.output
    assert "`--fix` creates 7 of them" in first.output

    fixed = runner.invoke(args=["odoo", "check", "--fix"])
    assert fixed.exit_code == 0, fixed.output
    assert "fixed    set barcode WH-STOCK on WH/Stock (was WHSTOCK)" in fixed.output
    assert "fixed    created department location WH/Ward 4B with barcode WARD-4B" in fixed.output
    assert "fixed    created scrap location Virtual Locations/Waste and scrap with barcode SCRAP" in fixed.output
    assert "Odoo has everything the sync needs." in fixed.output

    again = runner.invoke(args=["odoo", "check", "--fix"])
    assert again.exit_code == 0 and "fixed" not in again.output  # idempotent: found by barcode, not made twice
    scrap = double.env.search("stock.location", [("barcode", "=", "SCRAP")])
    assert len(scrap) == 1 and scrap[0]["scrap_location"] is True


def test_check_flags_a_department_without_its_analytic_account_once_any_is_configured(fresh_odoo):
    double, runner = fresh_odoo
    runner.invoke(args=["odoo", "check", "--fix"])
    plan = double.env.create("account.analytic.plan", {"name": "Departments"})
    double.env.create("account.analytic.account", {"name": "Ward 4B", "code": "WARD-4B", "plan_id": plan["id"]})
    result = runner.invoke(args=["odoo", "check"])
    assert result.exit_code == 1
    assert "ok       analytic account WARD-4B" in result.output
    assert "MISSING  analytic account ICU: none: create an analytic account with reference ICU" in result.output


def test_a_department_inside_the_central_store_is_flagged(fresh_odoo):
    double, runner = fresh_odoo
    runner.invoke(args=["odoo", "check", "--fix"])
    ward, = double.env.search("stock.location", [("barcode", "=", "ICU")])
    double.env.write("stock.location", [ward], {"location_id": 8})  # moved into WH/Stock
    result = runner.invoke(args=["odoo", "check"])
    assert result.exit_code == 1
    assert "MISSING  department location ICU: WH/Stock/Intensive care unit lies inside the central store" in \
        result.output


def test_check_of_the_test_odoo_passes(runner):
    result = runner.invoke(args=["odoo", "check"])
    assert result.exit_code == 0, result.output
    assert "ok       central stock location WH-STOCK" in result.output


def test_a_wrong_password_is_said_plainly(database_url, odoo):
    settings = OdooSettings(odoo.settings.url, odoo.settings.db, odoo.settings.user, "not-the-password")
    app = create_app({"SQLALCHEMY_DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key-not-for-production",
                      "TESTING": True, "ODOO": settings})
    result = app.test_cli_runner().invoke(args=["odoo", "check"])
    app.extensions["journal_engine"].dispose()
    assert result.exit_code != 0
    assert "refused the login" in result.output
