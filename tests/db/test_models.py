"""db.models: the fields of a record that travels to the province are declared once, on
``TravellingModel``, and the models derived from it are exactly sync's kinds that change."""
from __future__ import annotations

from db.models import ALL_MODELS, TravellingModel
from sync import records

GROUP = ("uid", "origin", "rev", "updated_at")


def test_the_models_that_travel_and_change_are_sync_kinds_with_a_rev_and_an_origin():
    derived = {m._meta.table_name for m in ALL_MODELS if issubclass(m, TravellingModel)}
    kinds = {k.table for k in records.KINDS if k.has_rev and not k.owned_via_ticket}
    assert derived == kinds
    for kind in records.KINDS:
        if kind.table in derived:
            assert set(GROUP) <= set(kind.columns), kind.name  # the province receives all four


def test_no_model_declares_the_group_again():
    for model in ALL_MODELS:
        if not issubclass(model, TravellingModel):
            assert not set(GROUP) <= set(model._meta.fields), model.__name__


def test_derived_fields_are_the_bases():
    for model in ALL_MODELS:
        if not issubclass(model, TravellingModel):
            continue
        for name in GROUP:
            field, base = model._meta.fields[name], TravellingModel._meta.fields[name]
            assert (field.column_name, type(field), field.null, field.unique) == (
                base.column_name, type(base), base.null, base.unique), (model.__name__, name)
            if (model.__name__, name) != ("User", "origin"):  # added later (upgrade 7), DEFAULT ''
                assert field.default == base.default, (model.__name__, name)
