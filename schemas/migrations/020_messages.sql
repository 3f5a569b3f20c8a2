-- 020_messages.sql -- groups, their members, messages and notifications (seed 002).
--
-- Deleting a user: their memberships and notifications go with them (CASCADE); the
-- messages they sent stay, with sender_id NULL (SET NULL), as API.md says.

CREATE TABLE groups (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    created_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE group_members (
    group_id    BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member')),
    joined_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, user_id)
);
-- "the groups I belong to", newest group first: a keyset scan of this index.
CREATE INDEX group_members_user_idx ON group_members (user_id, group_id DESC);

CREATE TABLE messages (
    id            BIGSERIAL PRIMARY KEY,
    sender_id     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    receiver_type TEXT NOT NULL CHECK (receiver_type IN ('user', 'group')),
    -- A user id or a group id, by receiver_type: no foreign key (it names one of two
    -- tables). A group's messages go with the group (trigger below); a direct message
    -- stays when its receiver is deleted, so the sender keeps the history.
    receiver_id   BIGINT NOT NULL,
    -- Direct messages only: the two parties as an unordered pair (lo <= hi), so the
    -- history of a conversation, both directions, is one scan of messages_pair_idx. Kept
    -- when the sender is deleted (sender_id NULL), so the other party's history stays.
    pair_lo       BIGINT,
    pair_hi       BIGINT,
    text          TEXT NOT NULL CHECK (char_length(text) BETWEEN 1 AND 5000),
    is_read       BOOLEAN NOT NULL DEFAULT false,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT messages_pair_check CHECK (
        (receiver_type = 'group' AND pair_lo IS NULL AND pair_hi IS NULL)
        OR (receiver_type = 'user' AND pair_lo <= pair_hi
            AND receiver_id IN (pair_lo, pair_hi)))
);
CREATE INDEX messages_pair_idx ON messages (pair_lo, pair_hi, id DESC)
    WHERE receiver_type = 'user';
CREATE INDEX messages_group_idx ON messages (receiver_id, id DESC)
    WHERE receiver_type = 'group';

-- One row per recipient of a message, written in the message's transaction. id grows with
-- time per user: the sender takes a per-recipient advisory lock before the insert (see
-- services/messages/messages_sql.c), so the WebSocket ?since=<id> replay sees no gap.
CREATE TABLE notifications (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type        TEXT NOT NULL DEFAULT 'new_message' CHECK (type IN ('new_message')),
    message_id  BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    is_read     BOOLEAN NOT NULL DEFAULT false,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX notifications_user_idx ON notifications (user_id, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id, id DESC) WHERE NOT is_read;
-- The cascade from messages, and "this user's notification of this message".
CREATE UNIQUE INDEX notifications_message_user_key ON notifications (message_id, user_id);

-- A group's messages go with the group (their notifications cascade from them).
CREATE FUNCTION groups_delete_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM messages WHERE receiver_type = 'group' AND receiver_id = OLD.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER groups_delete_messages AFTER DELETE ON groups
    FOR EACH ROW EXECUTE FUNCTION groups_delete_messages();

-- A group that still has members always has an admin. When the last admin leaves (on
-- request, or because the account was deleted), the oldest remaining member becomes
-- admin; when nobody is left, the group is deleted. Kept here, not in the service, so a
-- user deletion by the users service obeys it too.
CREATE FUNCTION group_members_keep_admin() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.role <> 'admin' THEN
        RETURN NULL;
    END IF;
    -- Serializes with every other change of this group's membership; and a group being
    -- deleted (the cascade) is already gone: nothing to keep.
    PERFORM 1 FROM groups WHERE id = OLD.group_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM group_members WHERE group_id = OLD.group_id AND role = 'admin') THEN
        RETURN NULL;
    END IF;
    UPDATE group_members SET role = 'admin'
     WHERE (group_id, user_id) = (SELECT group_id, user_id FROM group_members
                                   WHERE group_id = OLD.group_id
                                   ORDER BY joined_at, user_id LIMIT 1);
    IF NOT FOUND THEN
        DELETE FROM groups WHERE id = OLD.group_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER group_members_keep_admin AFTER DELETE ON group_members
    FOR EACH ROW EXECUTE FUNCTION group_members_keep_admin();
