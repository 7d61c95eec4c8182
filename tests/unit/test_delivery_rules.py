"""Who hears of a case event (app/delivery/rules.py), without a database."""

from app.delivery.rules import recipients


def test_a_callback_is_told_to_the_lead_only():
    assert recipients("callback", {"result": "closed"}, 7) == [(7, "lead")]
    assert recipients("callback", {"result": "redo", "lead_unit_id": 7, "previous_lead_unit_id": 7}, 7) == [(7, "lead")]


def test_a_redo_tells_the_units_it_left_out():
    """A redo that hands the case to another lead (the old one retired or moved away) or leaves co-handlers out
    tells each of them once, as a re-routing does."""
    data = {"result": "redo", "lead_unit_id": 8, "previous_lead_unit_id": 7, "dropped_unit_ids": [9, 8]}
    assert recipients("callback", data, 8) == [(8, "lead"), (7, "previous_lead"), (9, "dropped")]
    assert recipients("rate", {**data, "previous_lead_unit_id": 8}, 8) == [(8, "lead"), (9, "dropped")]
    # Not a redo: the same keys tell no one else.
    assert recipients("callback", {**data, "result": "closed"}, 8) == [(8, "lead")]
