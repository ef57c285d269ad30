"""``/admin/add-product-data`` and ``/admin/products``: labelled products in, and queried;
``/admin/products/counts`` (the class balance) and ``/admin/images/<sha256>`` (their photos)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, request
from sqlalchemy import func, or_, select

from api.errors import ApiError
from api.guards import guard_admin_blueprint
from api.queries import arg, boolean, integer, like_pattern, paginate
from api.schemas import (
    ImportReport,
    Job,
    ProductCounts,
    ProductPage,
    ProductQuery,
    ProductUpload,
)
from api.services import ingest, services
from api.spec import ADMIN, BEARER, responses, spec
from common.categories import CATEGORIES, CODES
from common.image_store import ImageNotFound, ImageStore
from common.orm import Product

bp = Blueprint("products", __name__, url_prefix="/admin")


bp.before_request(guard_admin_blueprint)


@bp.before_request
def _upload_cap() -> None:
    # Uploads may be larger than other requests; set before the form is parsed (validation).
    if request.endpoint == "products.add_product_data":
        request.max_content_length = services().settings.max_bulk_upload_bytes


@bp.post("/add-product-data")
@spec.validate(
    form=ProductUpload,
    resp=responses({201: ImportReport, 202: Job}, *ADMIN, 413, 415, 422),
    tags=["products"],
    security=BEARER,
)
def add_product_data() -> tuple[dict[str, Any], int]:
    """One product (201 once imported) or a bulk upload (202 with the import job)."""
    return ingest.add_product_data(services(), g.admin.username)


@bp.get("/products")
@spec.validate(
    query=ProductQuery,
    resp=responses({200: ProductPage}, *ADMIN),
    tags=["products"],
    security=BEARER,
)
def list_products() -> dict[str, Any]:
    """Labelled products: ``category``, ``q`` (text), ``batch``, ``has_image``, paginated."""
    query = select(Product).order_by(Product.id)
    category = arg("category", integer)
    if category is not None:
        query = query.where(Product.prdtypecode == category)
    batch = arg("batch", integer)
    if batch is not None:
        query = query.where(Product.batch_id == batch)
    has_image = arg("has_image", boolean)
    if has_image is not None:
        column = Product.image_hash
        query = query.where(column.is_not(None) if has_image else column.is_(None))
    text = arg("q", str)
    if text:
        pattern = like_pattern(text)
        query = query.where(
            or_(
                Product.designation.ilike(pattern, escape="\\"),
                Product.description.ilike(pattern, escape="\\"),
            )
        )
    with services().sessions() as session:
        return paginate(session, query, product_json)


@bp.get("/products/counts")
@spec.validate(resp=responses({200: ProductCounts}, *ADMIN), tags=["products"], security=BEARER)
def product_counts() -> dict[str, Any]:
    """Labelled products per category (every one of the 27, zeros included)."""
    with services().sessions() as session:
        rows = session.execute(
            select(Product.prdtypecode, func.count()).group_by(Product.prdtypecode)
        ).all()
    found = {code: n for code, n in rows}
    counts = [{"code": c, "name": CATEGORIES[c], "count": found.get(c, 0)} for c in CODES]
    return {"counts": counts, "total": sum(found.values())}


# The first bytes of each image format the importer accepts, and its media type.
_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG", "image/png"), (b"GIF8", "image/gif"))


@bp.get("/images/<digest>")
@spec.validate(resp=responses({200: None}, *ADMIN, 404), tags=["products"], security=BEARER)
def product_image(digest: str) -> Response:
    """A product photo from the image store, by the ``image_hash`` of its product."""
    try:
        data = ImageStore(services().settings.images_path).get(digest)
    except (ValueError, ImageNotFound):
        raise ApiError(404, "not_found", f"No image '{digest}'.") from None
    media = next((m for magic, m in _MAGIC if data.startswith(magic)), None)
    if media is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        media = "image/webp"
    response = Response(data, mimetype=media or "application/octet-stream")
    response.headers["Cache-Control"] = "private, max-age=86400"  # content-addressed
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def product_json(p: Product) -> dict[str, Any]:
    return {
        "productid": p.productid,
        "designation": p.designation,
        "description": p.description,
        "prdtypecode": p.prdtypecode,
        "category": CATEGORIES.get(p.prdtypecode),
        "imageid": p.imageid,
        "image_hash": p.image_hash,
        "batch_id": p.batch_id,
        "created_at": p.created_at.isoformat(),
        "updated_at": p.updated_at.isoformat(),
    }
