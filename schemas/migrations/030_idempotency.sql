-- 030_idempotency.sql -- stored answers of creating requests that carried an Idempotency-Key
-- (API.md "Idempotency-Key"; common/idempotency.h). A row is written in the same
-- transaction as the write it answers, so the two commit together or not at all.
CREATE TABLE idempotency_keys (
    -- who the key belongs to: 'user:<id>' for an authenticated caller, 'ip:<address>' for
    -- register (the client address as the edge determines it)
    scope        TEXT NOT NULL CHECK (char_length(scope) BETWEEN 1 AND 95),
    key          TEXT NOT NULL CHECK (char_length(key) BETWEEN 1 AND 128),
    -- SHA-256 (hex) over method, path and the exact body bytes, computed by the edge
    fingerprint  TEXT NOT NULL CHECK (char_length(fingerprint) = 64),
    status       SMALLINT NOT NULL CHECK (status BETWEEN 200 AND 299),
    -- the reply body exactly as the service packed it (msgpack), replayed byte for byte
    reply        BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);

-- The cleanup (rows older than 24 h, in bounded batches) walks this index.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
