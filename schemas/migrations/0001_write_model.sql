-- readside write model: customers, products, inventory, orders, order_items.
-- Every business rule the write API enforces is also a constraint here, so a bug or a
-- hand-written statement cannot store what the API would refuse.
-- Ids are identity columns (bigint); money is numeric(12,2); times are timestamptz so
-- Debezium emits real instants (ISO-8601 UTC) rather than zone-less local times.

CREATE TABLE customers (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email       text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    country     text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
-- Case-insensitive: Ada@Example.com and ada@example.com reach the same mailbox in practice.
CREATE UNIQUE INDEX customers_email_key ON customers (lower(email));

CREATE TABLE products (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku         text NOT NULL CONSTRAINT products_sku_key UNIQUE
                CHECK (sku ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    category    text NOT NULL CHECK (length(category) BETWEEN 1 AND 100),
    price       numeric(12,2) NOT NULL CHECK (price >= 0),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per product, created with it; deleting a product (allowed only if never ordered)
-- takes its stock row along.
CREATE TABLE inventory (
    product_id  bigint PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE,
    on_hand     integer NOT NULL CONSTRAINT inventory_on_hand_not_negative CHECK (on_hand >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orders (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Nullable: erasing a customer keeps their orders (sales history) but forgets who placed them.
    customer_id bigint REFERENCES customers (id) ON DELETE SET NULL,
    status      text NOT NULL DEFAULT 'placed'
                CONSTRAINT orders_status_valid
                CHECK (status IN ('placed', 'paid', 'shipped', 'cancelled')),
    placed_at   timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);

CREATE TABLE order_items (
    order_id    bigint NOT NULL REFERENCES orders (id),
    line_no     integer NOT NULL CHECK (line_no >= 1),
    -- No cascade: a product that was ever ordered cannot be deleted (the API answers 409).
    product_id  bigint NOT NULL REFERENCES products (id),
    quantity    integer NOT NULL CONSTRAINT order_items_quantity_positive CHECK (quantity > 0),
    unit_price  numeric(12,2) NOT NULL CHECK (unit_price >= 0),
    PRIMARY KEY (order_id, line_no)
);
CREATE INDEX order_items_product_id_idx ON order_items (product_id);
