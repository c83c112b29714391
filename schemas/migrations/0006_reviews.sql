-- Product reviews: the example of a read model declared on a table of one's own (docs/read-models.md).
-- Written by plain SQL; the shop's write API does not know them.
CREATE TABLE reviews (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- A deleted product takes its reviews along; an erased customer takes theirs (their words are theirs).
    product_id  bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    customer_id bigint REFERENCES customers (id) ON DELETE CASCADE,
    rating      smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    body        text NOT NULL DEFAULT '' CHECK (length(body) <= 5000),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reviews_product_id ON reviews (product_id);
CREATE INDEX reviews_customer_id ON reviews (customer_id);
-- The product's rating_avg and review_count retract a review's old product and rating when it is changed,
-- moved or deleted: its delete and update events must carry the whole old row.
ALTER TABLE reviews REPLICA IDENTITY FULL;
