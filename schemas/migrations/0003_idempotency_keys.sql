-- Answers of write commands sent with an Idempotency-Key header, so a retry gets the first
-- answer. The row is written in the same transaction as the command, and a refused command
-- stores its refusal. consistency_token is filled in right after COMMIT (a commit's WAL
-- position is only known once it is written); until then a replay uses a fresh, later one.
-- Not part of the read model: the CDC connector should not route this table to projections.
CREATE TABLE idempotency_keys (
    key               text PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint       text NOT NULL,          -- sha256 of the command, never its contents
    response_status   smallint,               -- null only inside the claiming transaction
    response_body     jsonb,
    consistency_token text,
    created_at        timestamptz NOT NULL DEFAULT now()
);
-- For a retention job: keys only need to outlive a client's retry window.
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
