"""``/admin/add-product-data`` (validation and staging) and ``/admin/products`` (queries)."""

from __future__ import annotations

import io
import stat
import zipfile

import pytest
from rq import Queue

from common.orm import IngestionBatch, Product
from tests.api.conftest import api_settings, bearer, token_for
from tests.factories import image_bytes

PRODUCTS_CSV = (
    "productid,designation,description,prdtypecode,image_file\n"
    "p1,Piscine ronde,<p>pompe</p>,2583,a.jpg\n"
    "p2,Roman policier,,10,\n"
)


def make_zip(entries: dict[str, bytes], link: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return out.getvalue()


def corrupt_zip() -> bytes:
    """A zip whose one entry's deflate data is garbage (its headers are sound)."""
    data = bytearray(make_zip({"a.jpg": b"x" * 1000}))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("a.jpg")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start : start + info.compress_size] = b"\xff" * info.compress_size
    return bytes(data)


def encrypted_zip() -> bytes:
    """A zip whose entry says it is encrypted (flag bit 0, local and central headers)."""
    data = bytearray(make_zip({"a.jpg": b"x"}))
    data[6] |= 0x1
    data[data.find(b"PK\x01\x02") + 8] |= 0x1
    return bytes(data)


def upload(client, headers, **files):
    data = {}
    for name, value in files.items():
        data[name] = (io.BytesIO(value), f"{name}.bin") if isinstance(value, bytes) else value
    return client.post(
        "/admin/add-product-data", data=data, headers=headers, content_type="multipart/form-data"
    )


def nothing_stored(svc) -> bool:
    uploads = svc.settings.uploads_path
    staged = list(uploads.iterdir()) if uploads.exists() else []
    with svc.sessions() as session:
        products = session.query(Product).count()
    return (
        not staged
        and products == 0
        and Queue(svc.settings.training_queue, connection=svc.redis).count == 0
    )


def test_a_bulk_upload_is_staged_and_queued(client, svc, admin):
    archive = make_zip({"images/a.jpg": image_bytes()})
    response = upload(client, admin, csv=PRODUCTS_CSV.encode(), images=archive)
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert body["rows"] == 2 and body["layout"] == "products_csv"
    job = client.get(body["status_url"], headers=admin).get_json()
    assert job["kind"] == "import" and job["state"] == "queued"
    staged = svc.settings.uploads_path / job["params"]["path"].rsplit("/", 1)[-1]
    assert (staged / "products.csv").read_text() == PRODUCTS_CSV
    assert (staged / "images" / "a.jpg").read_bytes() == image_bytes()


def test_a_canceled_upload_is_removed_before_it_runs(client, svc, admin):
    response = upload(client, admin, csv=PRODUCTS_CSV.encode())
    assert response.status_code == 202, response.get_json()
    status_url = response.get_json()["status_url"]
    staged = (
        svc.settings.uploads_path
        / client.get(status_url, headers=admin).get_json()["params"]["path"].rsplit("/", 1)[-1]
    )
    assert staged.is_dir()
    canceled = client.post(f"{status_url}/cancel", headers=admin)
    assert canceled.status_code == 202 and canceled.get_json()["status"] == "canceled"
    assert not staged.exists() and nothing_stored(svc)


def test_the_challenge_layout_is_accepted(client, svc, admin):
    x = b",designation,description,productid,imageid\n0,Piscine,,11,21\n"
    y = b",prdtypecode\n0,2583\n"
    archive = make_zip({"image_train/image_21_product_11.jpg": image_bytes()})
    response = upload(client, admin, x_csv=x, y_csv=y, images=archive)
    assert response.status_code == 202
    path = client.get(response.get_json()["status_url"], headers=admin).get_json()["params"]["path"]
    assert (
        svc.settings.uploads_path
        / path.rsplit("/", 1)[-1]
        / "image_train"
        / "image_21_product_11.jpg"
    ).is_file()


BAD_BULK = {
    "missing column": (dict(csv=b"productid,designation\n1,x\n"), 422, "malformed_csv"),
    "ragged rows": (
        dict(csv=b"productid,designation,description,prdtypecode\n1,x\n"),
        422,
        "malformed_csv",
    ),
    "not utf-8": (
        dict(csv="productid,designation,description,prdtypecode\n1,é,,10\n".encode("latin-1")),
        422,
        "malformed_csv",
    ),
    "empty": (dict(csv=b""), 422, "malformed_csv"),
    "rows differ": (
        dict(
            x_csv=b",designation,description,productid,imageid\n0,a,,1,2\n", y_csv=b",prdtypecode\n"
        ),
        422,
        "malformed_csv",
    ),
    "zip slip": (
        dict(csv=PRODUCTS_CSV.encode(), images=make_zip({"../../evil.jpg": b"x"})),
        400,
        "unsafe_archive",
    ),
    "absolute path": (
        dict(csv=PRODUCTS_CSV.encode(), images=make_zip({"/etc/cron.d/x": b"x"})),
        400,
        "unsafe_archive",
    ),
    "symlink": (
        dict(csv=PRODUCTS_CSV.encode(), images=make_zip({}, link="images/a.jpg")),
        400,
        "unsafe_archive",
    ),
    "not a zip": (
        dict(csv=PRODUCTS_CSV.encode(), images=b"PK\x03\x04garbage"),
        400,
        "invalid_archive",
    ),
    "corrupt entry": (
        dict(csv=PRODUCTS_CSV.encode(), images=corrupt_zip()),
        400,
        "invalid_archive",
    ),
    "encrypted entry": (
        dict(csv=PRODUCTS_CSV.encode(), images=encrypted_zip()),
        400,
        "invalid_archive",
    ),
    "zip bomb": (
        dict(csv=PRODUCTS_CSV.encode(), images=make_zip({"a.jpg": bytes(4 << 20)})),
        413,
        "zip_bomb",
    ),
    "only images": (dict(images=make_zip({"a.jpg": b"x"})), 400, "missing_input"),
}


@pytest.mark.parametrize("case", sorted(BAD_BULK))
def test_bad_bulk_uploads_are_refused_and_nothing_is_stored(client, svc, admin, case):
    files, status, code = BAD_BULK[case]
    response = upload(client, admin, **files)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code
    assert nothing_stored(svc)


def test_caps_on_size_and_entries(tmp_path, redis_server, redis_client, make_user):
    from api.app import create_app

    settings = api_settings(
        tmp_path / "caps",
        redis_server.url,
        max_bulk_upload_mb=0.05,
        max_zip_entries=2,
        max_zip_uncompressed_mb=0.01,
    )
    app = create_app(settings, record_predictions=False)
    from api.services.accounts import create_user

    admin = bearer(
        token_for(
            app,
            create_user(app.extensions["shelfwise"].sessions, "boss", "Correct-Horse-42", "admin"),
        )
    )
    client = app.test_client()
    big = upload(client, admin, csv=PRODUCTS_CSV.encode() + b"p3,x,," + bytes(80_000) + b",10\n")
    assert (big.status_code, big.get_json()["error"]["code"]) == (413, "payload_too_large")
    assert f"{settings.max_bulk_upload_bytes:,} bytes" in big.get_json()["error"]["message"]
    many = upload(
        client,
        admin,
        csv=PRODUCTS_CSV.encode(),
        images=make_zip({f"{i}.jpg": b"x" for i in range(3)}),
    )
    assert (many.status_code, many.get_json()["error"]["code"]) == (413, "archive_too_large")
    large = upload(
        client, admin, csv=PRODUCTS_CSV.encode(), images=make_zip({"a.jpg": bytes(20_000)})
    )
    assert (large.status_code, large.get_json()["error"]["code"]) == (413, "archive_too_large")
    assert nothing_stored(app.extensions["shelfwise"])


SINGLE = {"productid": "p9", "designation": "Piscine", "description": "", "prdtypecode": "2583"}


def test_one_product_is_queued_for_import(client, svc, admin):
    response = upload(client, admin, **SINGLE, image=image_bytes())
    assert response.status_code == 202  # no trainer is running in this test
    job = client.get(response.get_json()["status_url"], headers=admin).get_json()
    assert job["kind"] == "import"
    csv_text = (
        svc.settings.uploads_path / job["params"]["path"].rsplit("/", 1)[-1] / "products.csv"
    ).read_text()
    assert "p9,Piscine,,2583" in csv_text
    assert response.get_json()["productid"] == "p9"


@pytest.mark.parametrize("given", [None, "", "  "])
def test_a_product_without_productid_gets_one(client, svc, admin, given):
    fields = {k: v for k, v in SINGLE.items() if k != "productid"}
    if given is not None:
        fields["productid"] = given
    response = upload(client, admin, **fields)
    assert response.status_code == 202, response.get_json()
    productid = response.get_json()["productid"]
    assert productid.startswith("sw-") and len(productid) == 23
    job = client.get(response.get_json()["status_url"], headers=admin).get_json()
    csv_text = (
        svc.settings.uploads_path / job["params"]["path"].rsplit("/", 1)[-1] / "products.csv"
    ).read_text()
    assert f"{productid},Piscine,,2583" in csv_text
    again = upload(client, admin, **fields).get_json()["productid"]
    assert again != productid


BAD_SINGLE = {
    "unknown code": (SINGLE | {"prdtypecode": "1234"}, 422, "unknown_category"),
    "code not a number": (SINGLE | {"prdtypecode": "abc"}, 422, "unknown_category"),
    "productid too long": (SINGLE | {"productid": "p" * 65}, 400, "invalid_field"),
    "no text, no image": (SINGLE | {"designation": ""}, 400, "missing_input"),
    "not an image": (SINGLE | {"image": b"%PDF-1.4 not an image"}, 415, "unsupported_media_type"),
}


@pytest.mark.parametrize("case", sorted(BAD_SINGLE))
def test_bad_single_products_are_refused_and_nothing_is_stored(client, svc, admin, case):
    fields, status, code = BAD_SINGLE[case]
    response = upload(client, admin, **fields)
    assert (response.status_code, response.get_json()["error"]["code"]) == (status, code)
    assert nothing_stored(svc)


def test_wrong_content_type(client, svc, admin):
    response = client.post("/admin/add-product-data", json=SINGLE, headers=admin)
    assert (response.status_code, response.get_json()["error"]["code"]) == (
        415,
        "unsupported_content_type",
    )
    assert nothing_stored(svc)


def seed_products(svc) -> None:
    with svc.sessions.begin() as session:
        batches = [
            IngestionBatch(source="s", kind="products_csv", rejected_rows=[]) for _ in range(2)
        ]
        session.add_all(batches)
        session.flush()
        for i in range(30):
            session.add(
                Product(
                    productid=f"p{i}",
                    designation=f"Piscine {i}" if i % 2 else f"Livre {i}",
                    description="100% coton" if i == 3 else "",
                    prdtypecode=2583 if i % 2 else 10,
                    image_hash="ab" * 32 if i % 3 == 0 else None,
                    batch_id=batches[i // 15].id,
                )
            )


def test_products_query(client, svc, admin):
    seed_products(svc)
    page = client.get("/admin/products?per_page=7&page=2", headers=admin).get_json()
    assert (page["total"], page["pages"], len(page["items"])) == (30, 5, 7)
    assert page["items"][0]["productid"] == "p7"
    pools = client.get("/admin/products?category=2583&per_page=100", headers=admin).get_json()
    assert pools["total"] == 15 and {p["prdtypecode"] for p in pools["items"]} == {2583}
    text = client.get("/admin/products?q=livre", headers=admin).get_json()
    assert text["total"] == 15
    literal = client.get("/admin/products?q=100%25", headers=admin).get_json()
    assert [p["productid"] for p in literal["items"]] == ["p3"]
    assert client.get("/admin/products?q=_", headers=admin).get_json()["total"] == 0
    images = client.get("/admin/products?has_image=true", headers=admin).get_json()
    assert images["total"] == 10
    batch_id = page["items"][0]["batch_id"]
    batch = client.get(f"/admin/products?batch={batch_id}", headers=admin).get_json()
    assert batch["total"] == 15
    clamped = client.get("/admin/products?per_page=100000", headers=admin).get_json()
    assert (clamped["per_page"], clamped["max_per_page"]) == (500, 500)
    assert len(clamped["items"]) == clamped["total"] == 30
    for bad in ("category=x", "has_image=maybe", "page=0", "per_page=0"):
        response = client.get(f"/admin/products?{bad}", headers=admin)
        assert (response.status_code, response.get_json()["error"]["code"]) == (
            400,
            "invalid_query",
        )


def test_counts_per_category(client, svc, admin, alice):
    seed_products(svc)
    body = client.get("/admin/products/counts", headers=admin).get_json()
    counts = {c["code"]: c["count"] for c in body["counts"]}
    assert body["total"] == 30 and len(counts) == 27
    assert counts[2583] == 15 and counts[10] == 15 and counts[2905] == 0
    assert client.get("/admin/products/counts", headers=alice).status_code == 403


def test_product_images_are_served_to_admins(client, svc, admin, alice):
    from common.image_store import ImageStore

    data = image_bytes("PNG")
    digest = ImageStore(svc.settings.images_path).put(data)
    response = client.get(f"/admin/images/{digest}", headers=admin)
    assert response.status_code == 200 and response.data == data
    assert response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/admin/images/{digest}", headers=alice).status_code == 403
    for missing in ("cd" * 32, "../../etc/passwd", "not-a-hash"):
        response = client.get(f"/admin/images/{missing}", headers=admin)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"
