-- Single sign-ons under way, by the SHA-256 of their state, so that the identity provider may return the
-- browser to any node; and what each node last said it runs on.
CREATE TABLE sign_ins (
    state_hash   TEXT    PRIMARY KEY,
    browser_hash TEXT    NOT NULL,
    nonce        TEXT    NOT NULL,
    verifier     TEXT    NOT NULL,
    return_to    TEXT    NOT NULL,
    client       TEXT    NOT NULL,
    expires_at   BIGINT  NOT NULL
);
CREATE INDEX sign_ins_client ON sign_ins (client);
CREATE INDEX sign_ins_expires_at ON sign_ins (expires_at);

CREATE TABLE nodes (
    node               TEXT    PRIMARY KEY,
    leads              BOOLEAN NOT NULL,
    policy_version     TEXT    NOT NULL,
    identities_version TEXT    NOT NULL,
    inventory_version  TEXT    NOT NULL,
    seen_at            BIGINT  NOT NULL
);
