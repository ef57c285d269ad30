from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from common.db import MIGRATIONS, init_db, make_engine, session_factory, upgrade
from common.orm import Base, IngestionBatch, ModelVersionRecord, Product
from common.settings import load_settings


def test_migrations_create_every_orm_table(db_url):
    upgrade(db_url)
    engine = make_engine(db_url)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT version_num FROM shelfwise_schema_version")).scalar()
            == ScriptDirectory(str(MIGRATIONS)).get_current_head()
        )
    upgrade(db_url)  # a second upgrade is a no-op
    engine.dispose()


def test_orm_round_trip_with_json(db_url):
    upgrade(db_url)
    sessions = session_factory(make_engine(db_url))
    with sessions.begin() as s:
        batch = IngestionBatch(
            source="/data",
            kind="products_csv",
            rejected_rows=[{"row": 3, "reason": "unknown_category"}],
        )
        s.add(batch)
        s.flush()
        s.add(Product(productid="42", designation="Piscine", prdtypecode=2583, batch_id=batch.id))
        s.add(
            ModelVersionRecord(
                name="v1",
                metrics={"f1_weighted": 0.8},
                params={},
                provenance={"git_revision": "abc"},
            )
        )
    with sessions() as s:
        product = s.scalars(select(Product)).one()
        assert product.batch.rejected_rows == [{"row": 3, "reason": "unknown_category"}]
        assert s.scalars(select(ModelVersionRecord)).one().metrics == {"f1_weighted": 0.8}
        assert product.created_at is not None


def test_productid_is_unique_and_batch_must_exist(db_url):
    upgrade(db_url)
    sessions = session_factory(make_engine(db_url))
    with pytest.raises(IntegrityError), sessions.begin() as s:
        s.add(Product(productid="1", prdtypecode=10, batch_id=999))  # no such batch
    with sessions.begin() as s:
        batch = IngestionBatch(source="x", kind="products_csv", rejected_rows=[])
        s.add(batch)
        s.flush()
        s.add(Product(productid="1", prdtypecode=10, batch_id=batch.id))
    with pytest.raises(IntegrityError), sessions.begin() as s:
        s.add(Product(productid="1", prdtypecode=40, batch_id=1))


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    settings = load_settings(var_dir=tmp_path / "var")
    engine = init_db(settings)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert (tmp_path / "var" / "shelfwise.db").is_file()
