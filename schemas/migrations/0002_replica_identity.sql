-- What Debezium sees as the "before" image of an UPDATE or DELETE.
-- With the default identity an update/delete event carries only the primary key as "before".
-- The read side's aggregates are incremental and must retract a row's old contribution
-- (sales per day x category, units sold, a customer's order count and lifetime value), so
-- the tables whose old values feed those numbers log the full old row.

-- order_items: a changed or deleted line must subtract its old product, quantity and price.
ALTER TABLE order_items REPLICA IDENTITY FULL;
-- orders: a status change (e.g. cancellation) or an erasure (customer_id set to null) must
-- retract the order from the old status and the old customer's figures.
ALTER TABLE orders REPLICA IDENTITY FULL;
-- products: a category change moves the product's sales between category buckets.
ALTER TABLE products REPLICA IDENTITY FULL;

-- customers keep DEFAULT on purpose: with FULL, the delete event of an erasure would carry
-- the erased name and email into Kafka. Nothing downstream needs a customer's old values.
-- inventory keeps DEFAULT too: on_hand is an absolute level, the new value is all one needs.
ALTER TABLE customers REPLICA IDENTITY DEFAULT;
ALTER TABLE inventory REPLICA IDENTITY DEFAULT;
