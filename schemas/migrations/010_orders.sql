-- 010_orders.sql -- orders of seed 000. Amounts are numeric (exact), never float.
-- An order goes with its user (ON DELETE CASCADE), as API.md's DELETE /api/users/:id says.
CREATE TABLE orders (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    product     TEXT NOT NULL CHECK (char_length(product) BETWEEN 1 AND 200),
    amount      NUMERIC(12, 2) NOT NULL CHECK (amount > 0 AND amount <= 1000000000),
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'paid', 'shipped', 'cancelled')),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- "my orders, newest first" and the admin's ?user_id= filter are keyset scans of this index.
CREATE INDEX orders_user_id_id ON orders (user_id, id DESC);
