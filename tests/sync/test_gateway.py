"""The gateway: one interface over JSON-RPC (Odoo 17/18) and JSON-2 (Odoo 19), the version's differences in one
place, and every failure sorted into "try again" or "refused"."""
from __future__ import annotations

import pytest

from pwa.config import OdooSettings
from sync.gateway import ConnectError, Gateway, PermanentError, TransientError
from tests.odoo_double import OdooDouble


def settings_of(double: OdooDouble, password: str | None = None) -> OdooSettings:
    return OdooSettings(double.url, double.db, double.login, password or double.password)


@pytest.fixture(params=[17, 18])
def double(request):
    double = OdooDouble(version=request.param).start()
    yield double
    double.stop()


def test_connect_learns_the_version_and_its_product_fields(double):
    gateway = Gateway.connect(settings_of(double))
    assert gateway.major == double.version and gateway.transport_name == "jsonrpc"
    goods = gateway.search_read("product.product", [], ["default_code"])  # the domain must be valid in this version
    assert goods == []
    values = gateway.dialect.storable_values()
    pid = gateway.create("product.product", [{"name": "Gauze", "default_code": "G-1", **values}])[0]
    product, = gateway.search_read("product.product", gateway.dialect.goods_domain(),
                                   ["default_code"] + gateway.dialect.product_fields())
    assert product["id"] == pid and gateway.dialect.is_stocked(product)
    assert ("detailed_type" in product) == (double.version == 17)


def test_refusals_carry_odoos_message(double):
    gateway = Gateway.connect(settings_of(double))
    with pytest.raises(PermanentError, match="Invalid field 'colour' on model 'stock.picking'"):
        gateway.create("stock.picking", [{"colour": "blue"}])
    with pytest.raises(PermanentError, match="mandatory field is not set"):
        gateway.create("stock.lot", [{"name": "L-1"}])
    with pytest.raises(PermanentError, match="Private methods"):
        gateway.execute("stock.move", "_action_done", [1])


def test_a_wrong_password_is_a_connection_problem_not_an_actions_fault(double):
    with pytest.raises(ConnectError, match="refused the login"):
        Gateway.connect(settings_of(double, "wrong"))


def test_network_failures_are_transient(double):
    gateway = Gateway.connect(settings_of(double), timeout=0.3)
    double.faults.http_500 = 1
    with pytest.raises(TransientError, match="HTTP 500"):
        gateway.search_read("res.partner", [], ["name"])
    double.faults.delay = 0.6
    with pytest.raises(TransientError, match="did not answer in time"):
        gateway.search_read("res.partner", [], ["name"])
    double.faults.delay = 0
    double.go_down()
    with pytest.raises(TransientError, match="cannot be reached"):
        gateway.search_read("res.partner", [], ["name"])
    double.come_up()
    assert gateway.search_read("res.partner", [("name", "=", "My Company")], ["name"])


def test_an_expired_session_is_renewed_once_transparently(double):
    gateway = Gateway.connect(settings_of(double))
    double.faults.expire_sessions = 1
    assert gateway.search_read("res.partner", [("name", "=", "My Company")], ["name"])
    double.faults.expire_sessions = 5
    with pytest.raises(TransientError, match="session expired"):
        gateway.search_read("res.partner", [], ["name"])


def test_an_odoo_without_move_quantities_is_refused_plainly(double):
    del double.env.models["stock.move"].fields["picked"]  # as before Odoo 17
    with pytest.raises(ConnectError, match="supports Odoo 17 and 18"):
        Gateway.connect(settings_of(double))


def test_json2_transport_speaks_the_same_interface():
    double = OdooDouble(version=19, api_key="ws-api-key").start()
    try:
        gateway = Gateway.connect(settings_of(double, "ws-api-key"))
        assert gateway.transport_name == "json2" and gateway.uid == 2
        pid = gateway.create("res.partner", [{"name": "ENC-1", "ref": "ENC-1"}])[0]
        gateway.write("res.partner", [pid], {"name": "ENC-1 (renamed)"})
        assert gateway.read("res.partner", [pid], ["name"])[0]["name"] == "ENC-1 (renamed)"
        product = gateway.create("product.product", [{"name": "Gauze", **gateway.dialect.storable_values()}])[0]
        gateway.create("stock.quant", [{"product_id": product, "location_id": 8, "inventory_quantity": 5}],
                       context={"inventory_mode": True})
        quant, = gateway.search_read("stock.quant", [("location_id", "=", 8)], ["inventory_quantity"])
        gateway.execute("stock.quant", "action_apply_inventory", [quant["id"]],
                        context={"inventory_mode": True, "inventory_name": "WS:json2"})
        assert gateway.search_read("stock.move", [("name", "like", "WS:json2")], ["state"])[0]["state"] == "done"
        with pytest.raises(PermanentError, match="Invalid field"):
            gateway.create("res.partner", [{"colour": "blue"}])
        with pytest.raises(ConnectError):
            Gateway.connect(settings_of(double, "wrong-key"))
    finally:
        double.stop()


def test_the_test_odoo_refuses_what_odoo_refuses(odoo, world):
    """Run against a real Odoo too: a refusal the double does not share is a bug in the double."""
    from .world import unique
    gateway = Gateway.connect(odoo.settings)
    with pytest.raises(PermanentError, match="Invalid field 'colour' on model 'stock.picking'"):
        gateway.create("stock.picking", [{"colour": "blue"}])
    with pytest.raises(PermanentError, match="mandatory field is not set"):
        gateway.create("stock.lot", [{"name": unique("L")}])
    with pytest.raises(PermanentError, match="Private methods"):
        gateway.execute("stock.move", "_action_done", [1])
    lot = unique("L")
    gateway.create("stock.lot", [{"name": lot, "product_id": world.product_id("SYR-10ML")}])
    with pytest.raises(PermanentError, match="must be unique"):
        gateway.create("stock.lot", [{"name": lot, "product_id": world.product_id("SYR-10ML")}])
    product = gateway.create("product.product", [{"name": unique("Nothing in stock"),
                                                  **gateway.dialect.storable_values()}])[0]
    ward, consumed = world.locations["WARD-4B"], world.locations["CONSUMED"]
    picking = gateway.create("stock.picking", [{
        "picking_type_id": world.internal_type, "location_id": ward, "location_dest_id": consumed,
        "move_ids": [[0, 0, {"name": "x", "product_id": product, "product_uom_qty": 2, "location_id": ward,
                             "location_dest_id": consumed}]]}])[0]
    gateway.execute("stock.picking", "action_confirm", [picking])
    with pytest.raises(PermanentError, match="You cannot validate a transfer if no quantities are reserved"):
        gateway.execute("stock.picking", "button_validate", [picking])
    scrap = gateway.create("stock.scrap", [{"product_id": product, "scrap_qty": 0, "location_id": ward}])[0]
    with pytest.raises(PermanentError, match="You can only enter positive quantities"):
        gateway.execute("stock.scrap", "action_validate", [scrap])
