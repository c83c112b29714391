"""Products: a product with its stock and how many units counted orders took, for full-text search."""

from catalog.vocabulary import Aggregate, Field, Join, ReadModel, Role, keyed, text

MODEL = ReadModel(
    name="products",
    root="products",
    version=2,
    joins=(
        Join("inventory", key="product_id", to="products.id"),
        Join("order_items", key="product_id", to="products.id", many=True),
        Join("orders", key="id", to="order_items.order_id"),
    ),
    aggregates=(
        # docs/API.md, "Meaning of the numbers": only counted orders sell units.
        Aggregate(
            "units_sold", "sum", over="order_items", column="quantity", where="orders.status <> 'cancelled'", default=0
        ),
    ),
    fields=(
        keyed("sku", Role.FILTER),
        text("name"),
        text("description"),
        keyed("category", Role.FILTER, Role.FACET),
        text("brand"),
        Field("price", sql="products.price::text"),  # money is a decimal string
        keyed("price_cents", Role.FILTER, Role.SORT, sql="(products.price * 100)::bigint"),
        keyed("active", Role.FILTER),
        Field("on_hand", source="inventory.on_hand", default=0),
        keyed("in_stock", Role.FILTER, sql="COALESCE(inventory.on_hand, 0) > 0"),
        keyed("units_sold", Role.SORT),
    ),
)
