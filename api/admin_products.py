"""``/admin/add-product-data`` and ``/admin/products``: labelled products in, and queried."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g
from sqlalchemy import or_, select

from api import ingest
from api.authn import guard_admin_blueprint
from api.queries import arg, boolean, integer, like_pattern, paginate
from api.services import services
from common.categories import CATEGORIES
from common.orm import Product

bp = Blueprint("products", __name__, url_prefix="/admin")


bp.before_request(guard_admin_blueprint)


@bp.post("/add-product-data")
def add_product_data() -> tuple[dict[str, Any], int]:
    """One product (201 once imported) or a bulk upload (202 with the import job)."""
    return ingest.add_product_data(services(), g.admin.username)


@bp.get("/products")
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
