-- Server-side sessions, password resets and email verification (issue 14, items 9 and 10).

-- A session token carries its row's id (jti). The caller is resolved by one query that joins
-- this row to its user by primary keys, the same single round trip the user lookup cost before;
-- logging out or changing the password deletes rows, and a token without a row is refused.
CREATE TABLE sessions (
  id         uuid        PRIMARY KEY,
  user_id    bigint      NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  CONSTRAINT sessions_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Single-use links mailed to an account's address: a password reset, or the proof that an
-- ADMIN_EMAILS address belongs to the account. Only the SHA-256 of the token is stored, so a
-- copy of the database cannot be turned into working links.
CREATE TABLE account_tokens (
  token_hash bytea       PRIMARY KEY,
  user_id    bigint      NOT NULL,
  purpose    text        NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at    timestamptz,
  CONSTRAINT account_tokens_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT account_tokens_purpose_check CHECK (purpose IN ('password_reset', 'verify_email')),
  CONSTRAINT account_tokens_hash_check CHECK (octet_length(token_hash) = 32)
);
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose, created_at);

-- When the address was proven (a verification link followed, or an operator's grant).
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;

-- Until now whoever registered an ADMIN_EMAILS address first became admin without proving it;
-- such a role cannot be trusted. Every admin proves the address again (the link mailed at the
-- next login) or is granted by an operator: npm run admin -- grant EMAIL.
UPDATE users SET role = 'user' WHERE role = 'admin';
