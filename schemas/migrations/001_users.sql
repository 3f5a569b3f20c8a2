-- 001_users.sql -- accounts and refresh-token sessions of the users service.
--
-- users.id is the key every other table references (orders, group members, notifications
-- come later with ON DELETE CASCADE; messages.sender_id with ON DELETE SET NULL).

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    name          VARCHAR(100) NOT NULL,
    -- Stored lower-cased by the service; the unique index below is on lower(email) as
    -- well, so case variants collide even for rows written by hand.
    email         VARCHAR(254),
    phone         VARCHAR(16),                -- E.164: '+' and at most 15 digits
    username      VARCHAR(32),
    password_hash VARCHAR(128) NOT NULL,      -- bcrypt "$2b$..."; never leaves the service
    role          VARCHAR(16) NOT NULL DEFAULT 'user'
                  CHECK (role IN ('user', 'moderator', 'admin')),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- An account must stay reachable by login: an email or a phone, or both.
    CONSTRAINT users_contact_check CHECK (email IS NOT NULL OR phone IS NOT NULL),
    CONSTRAINT users_username_check CHECK (username ~ '^[a-z0-9_]{3,32}$')
);

-- NULLs never collide in a unique index, so optional contacts stay optional.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE UNIQUE INDEX users_phone_key ON users (phone);
CREATE UNIQUE INDEX users_username_key ON users (username);
-- Lists are keyset-paginated on id DESC (ids grow with time): the primary key serves them.

-- A refresh family is one login session: every rotated refresh token of that session
-- belongs to it. Logout, reuse of a spent token, or a password change revoke it whole.
CREATE TABLE refresh_families (
    family      VARCHAR(64) PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX refresh_families_user_idx ON refresh_families (user_id);

-- One row per refresh token issued (by jti). used_at is set when it is exchanged; a second
-- exchange of the same jti is reuse, a sign of theft.
CREATE TABLE refresh_tokens (
    jti         VARCHAR(64) PRIMARY KEY,
    family      VARCHAR(64) NOT NULL REFERENCES refresh_families (family) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
