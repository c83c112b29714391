"""Products: a product with its stock, how many units counted orders took, and its reviews' count and
average rating, for full-text search."""

from catalog.vocabulary import Aggregate, Field, Hooks, Join, ReadModel, Role, keyed, text

MODEL = ReadModel(
    name="products",
    root="products",
    version=3,
    joins=(
        Join("inventory", key="product_id", to="products.id"),
        Join("order_items", key="product_id", to="products.id", many=True, primary_key=("order_id", "line_no")),
        Join("orders", key="id", to="order_items.order_id"),
        Join("reviews", key="product_id", to="products.id", many=True),
    ),
    aggregates=(
        # docs/API.md, "Meaning of the numbers": only counted orders sell units.
        Aggregate(
            "units_sold", "sum", over="order_items", column="quantity", where="orders.status <> 'cancelled'", default=0
        ),
        Aggregate("review_count", "count", over="reviews", default=0),
        Aggregate("rating_avg", "avg", over="reviews", column="rating"),
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
        keyed("review_count", Role.SORT),
        keyed("rating_avg", Role.FILTER, Role.SORT),
    ),
    # The stock join and units sold (an order's status decides whether its lines count) are the products
    # stage's Python (pipelines/products/); the reviews' aggregates are declared and need none.
    hooks=Hooks(stage="products", computed=("units_sold",)),
)
