"""Queries whose SQL the ORM builds once per process (``Prepared``)."""

import functools
from collections.abc import Callable

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators


class Prepared:
    """One row, by one value, from a queryset of fixed shape whose SQL the ORM builds once per process.

    For a query with joins, building its SQL takes the ORM several times as long as PostgreSQL takes to run it
    for one row (1.4 ms against 0.3 for the sign-up pages' run, with its offer, provider and semester), and the
    sign-up pages run such a query on every request. The queryset stays the one home of the query:
    ``build(value)`` returns it for a value. Its SQL is built the first time, for a stand-in value; each call
    then runs that SQL with the value and builds the model instances (``select_related`` ones included) as the
    queryset would, which tests/test_prepared.py compares. Only for columns the database driver returns as
    they are (no ``from_db_value`` converters), which is checked when the SQL is built.
    """

    _STAND_IN = -7_340_021  # a value no other parameter of the query may have (checked)

    def __init__(self, build: Callable[[object], QuerySet]):
        self.build = build

    @functools.cached_property
    def _compiled(self):
        queryset = self.build(self._STAND_IN)
        compiler = queryset.query.get_compiler(queryset.db)
        sql, params = compiler.as_sql()
        where = [index for index, param in enumerate(params) if param == self._STAND_IN]
        if len(where) != 1:
            raise ValueError("The value must be the query's parameter exactly once.")
        select, klass_info = compiler.select, compiler.klass_info
        if compiler.annotation_col_map or compiler.get_converters([column for column, _sql, _alias in select]):
            raise ValueError("Annotations, and columns that need converting, are not supported.")
        first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1]
        attnames = [column.target.attname for column, _sql, _alias in select[first : last + 1]]
        return queryset.db, sql, list(params), where[0], select, klass_info, first, last, attnames

    def get(self, value) -> Model | None:
        """The row for this value as the queryset's model instance, or None if there is no such row."""
        db, sql, params, where, select, klass_info, first, last, attnames = self._compiled
        params = [*params[:where], value, *params[where + 1 :]]
        with connections[db].cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        instance = klass_info["model"].from_db(db, attnames, row[first : last + 1])
        for populator in get_related_populators(klass_info, select, db):
            populator.populate(row, instance)
        return instance
