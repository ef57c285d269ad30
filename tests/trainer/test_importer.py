from __future__ import annotations

import pytest
from sqlalchemy import func, select

from common.db import make_engine, session_factory, upgrade
from common.image_store import ImageStore, content_hash
from common.orm import IngestionBatch, Product
from tests.trainer import synthetic
from trainer import layouts
from trainer.errors import LayoutError
from trainer.importer import DUPLICATE_PRODUCTID, import_directory


@pytest.fixture
def db(settings, db_url):
    upgrade(db_url)
    engine = make_engine(db_url)
    yield settings.model_copy(update={"database_url": db_url}), session_factory(engine)
    engine.dispose()


def _products(sessions) -> dict[str, Product]:
    with sessions() as s:
        return {p.productid: p for p in s.scalars(select(Product))}


@pytest.mark.parametrize("writer", [synthetic.write_shared, synthetic.write_challenge])
def test_imports_either_layout_and_a_second_run_changes_nothing(db, tmp_path, writer):
    settings, sessions = db
    items = synthetic.products(per_class=4)
    source = writer(tmp_path / "src", items)
    first = import_directory(settings, sessions, source)
    assert (first.inserted, first.updated, first.rejected) == (len(items), 0, [])
    stored = _products(sessions)
    item = items[0]
    assert stored[item.productid].prdtypecode == item.code
    assert stored[item.productid].designation == item.designation
    assert ImageStore(settings.images_path).get(stored[item.productid].image_hash) == item.image
    assert stored[items[1].productid].image_hash is None

    second = import_directory(settings, sessions, source)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, len(items))
    after = _products(sessions)
    assert {p: (r.batch_id, r.updated_at) for p, r in after.items()} == {
        p: (r.batch_id, r.updated_at) for p, r in stored.items()
    }
    with sessions() as s:
        batches = s.scalars(select(IngestionBatch).order_by(IngestionBatch.id)).all()
        assert [(b.status, b.inserted, b.unchanged) for b in batches] == [
            ("done", len(items), 0),
            ("done", 0, len(items)),
        ]


def test_latest_batch_wins_and_duplicates_in_one_file_keep_the_last(db, tmp_path):
    settings, sessions = db
    items = synthetic.products(per_class=2)
    import_directory(settings, sessions, synthetic.write_shared(tmp_path / "a", items))
    changed = synthetic.Item(
        items[0].productid, items[0].imageid, "Pompe de piscine", "", 2583, None
    )
    dup_early = synthetic.Item("77", "1", "carte rare", "", 1160, None)
    dup_late = synthetic.Item("77", "1", "carte holo", "", 1160, None)
    report = import_directory(
        settings, sessions, synthetic.write_shared(tmp_path / "b", [changed, dup_early, dup_late])
    )
    assert (report.inserted, report.updated) == (1, 1)
    assert [(r["productid"], r["reason"]) for r in report.rejected] == [("77", DUPLICATE_PRODUCTID)]
    stored = _products(sessions)
    assert stored[changed.productid].prdtypecode == 2583
    assert stored[changed.productid].image_hash is None
    assert stored[changed.productid].batch_id == report.batch_id
    assert stored["77"].designation == "carte holo"
    assert len(stored) == len(items) + 1


def test_every_bad_row_is_reported_with_its_reason_and_never_aborts(db, tmp_path):
    settings, sessions = db
    good = synthetic.products(per_class=1)
    bad = [
        synthetic.Item("901", "1", "objet mystere", "", 1234, None),  # unknown category
        synthetic.Item("902", "2", "sans label", "", "", None),  # no label
        synthetic.Item("903", "3", "photo cassee", "", 10, b"\xff\xd8 truncated jpeg"),
        synthetic.Item("904", "4", "", "", 10, None),  # neither text nor image
        synthetic.Item("", "5", "sans identifiant", "", 10, None),
    ]
    source = synthetic.write_shared(tmp_path / "src", good + bad)
    # A listed image that is not on disk.
    (source / "images" / f"image_{good[0].imageid}_product_{good[0].productid}.jpg").unlink()
    report = import_directory(settings, sessions, source)
    reasons = {r["productid"]: r["reason"] for r in report.rejected}
    assert reasons == {
        "901": layouts.UNKNOWN_CATEGORY, "902": layouts.UNKNOWN_CATEGORY,
        "903": layouts.UNDECODABLE_IMAGE, "904": layouts.NO_TEXT_OR_IMAGE,
        "": layouts.MISSING_PRODUCTID, good[0].productid: layouts.MISSING_IMAGE,
    }  # fmt: skip
    assert all(r["detail"] for r in report.rejected)
    assert report.inserted == len(good) - 1
    with sessions() as s:
        batch = s.get(IngestionBatch, report.batch_id)
        assert batch.rejected == 6 and len(batch.rejected_rows) == 6


def test_an_image_only_product_is_kept(db, tmp_path):
    settings, sessions = db
    item = synthetic.image_only(synthetic.products(per_class=1)[0])
    report = import_directory(settings, sessions, synthetic.write_challenge(tmp_path / "s", [item]))
    assert report.inserted == 1
    assert _products(sessions)[item.productid].image_hash == content_hash(item.image)


def test_a_crash_mid_import_leaves_no_batch_and_no_product(db, tmp_path):
    settings, sessions = db
    source = synthetic.write_shared(tmp_path / "src", synthetic.products(per_class=5))

    def crash(done: int, total: int) -> None:
        if done == 8:
            raise KeyboardInterrupt  # as if the process were interrupted mid-import

    with pytest.raises(KeyboardInterrupt):
        import_directory(settings, sessions, source, on_row=crash)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Product)) == 0
        assert s.scalar(select(func.count()).select_from(IngestionBatch)) == 0
    assert import_directory(settings, sessions, source).inserted == 15  # and it recovers


def test_split_filter_and_bad_directories(db, tmp_path):
    settings, sessions = db
    items = synthetic.products(per_class=5)
    source = synthetic.write_shared(tmp_path / "src", items)
    report = import_directory(settings, sessions, source, split="val")
    assert report.inserted == sum(it.split == "val" for it in items) > 0
    with pytest.raises(LayoutError, match="products.csv"):
        import_directory(settings, sessions, tmp_path / "src" / "images")
    challenge = synthetic.write_challenge(tmp_path / "ch", items)
    with pytest.raises(LayoutError, match="split"):
        import_directory(settings, sessions, challenge, split="val")
