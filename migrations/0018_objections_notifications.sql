-- Objections and complaints (异议与投诉), and the outbox of notifications.

-- One objection or complaint. objection_no is YY{yyyymmdd}{id}. holder says
-- who answers it (office or insurer); region_code and insurer place it in
-- scope. blocks is 1 while an upheld objection stops its claim's payment;
-- a new assessment of the claim sets it back to 0.
CREATE TABLE objections (
    id           {{PK}},
    objection_no VARCHAR(32)   NOT NULL DEFAULT '',
    category     VARCHAR(24)   NOT NULL,
    source       VARCHAR(16)   NOT NULL,
    holder       VARCHAR(16)   NOT NULL,
    name         VARCHAR(64)   NOT NULL DEFAULT '',
    phone        VARCHAR(20)   NOT NULL DEFAULT '',
    claim_no     VARCHAR(32)   NOT NULL DEFAULT '',
    region_code  CHAR(12)      NOT NULL,
    insurer      VARCHAR(64)   NOT NULL DEFAULT '',
    body         VARCHAR(4000) NOT NULL,
    received_on  DATE          NOT NULL,
    ack_due      DATE          NOT NULL,
    resolve_due  DATE          NOT NULL,
    status       VARCHAR(16)   NOT NULL,
    acked_on     DATE          NULL,
    reply        VARCHAR(4000) NOT NULL DEFAULT '',
    answered_by  VARCHAR(64)   NOT NULL DEFAULT '',
    answered_on  DATE          NULL,
    blocks       SMALLINT      NOT NULL DEFAULT 0,
    recorded_by  VARCHAR(64)   NOT NULL,
    created_at   BIGINT        NOT NULL,
    updated_at   BIGINT        NOT NULL
) {{TABLE}};
CREATE INDEX objections_no ON objections (objection_no);
CREATE INDEX objections_claim ON objections (claim_no, blocks);
CREATE INDEX objections_region ON objections (region_code, status);
CREATE INDEX objections_open ON objections (status, resolve_due);

-- Systems subscribed to events: each gets a signed JSON POST per event.
-- events is a comma-separated list; region is a prefix of the region codes
-- the subscription hears about ('' = all), insurer an insurer code ('' = all).
CREATE TABLE webhook_subscriptions (
    id         {{PK}},
    name       VARCHAR(100)  NOT NULL,
    url        VARCHAR(500)  NOT NULL,
    secret     VARCHAR(128)  NOT NULL,
    events     VARCHAR(500)  NOT NULL,
    region     VARCHAR(12)   NOT NULL DEFAULT '',
    insurer    VARCHAR(64)   NOT NULL DEFAULT '',
    active     SMALLINT      NOT NULL DEFAULT 1,
    created_by VARCHAR(64)   NOT NULL,
    created_at BIGINT        NOT NULL
) {{TABLE}};

-- The outbox: one row per message, written in the transaction of the event
-- that causes it. idem_key (event, subject, channel, recipient) is unique,
-- so one event never gives a recipient two messages. A sender takes a row
-- by setting runner and lease_until in one UPDATE that only succeeds while
-- no live lease holds it; status goes pending → sent, or dead after a
-- permanent refusal or a day of failures.
CREATE TABLE notification_outbox (
    id              {{PK}},
    idem_key        VARCHAR(191)  NOT NULL,
    event           VARCHAR(32)   NOT NULL,
    channel         VARCHAR(16)   NOT NULL,
    target          VARCHAR(500)  NOT NULL,
    subscription_id BIGINT        NOT NULL DEFAULT 0,
    subject         VARCHAR(64)   NOT NULL,
    region_code     CHAR(12)      NOT NULL DEFAULT '',
    body            TEXT          NOT NULL,
    status          VARCHAR(16)   NOT NULL,
    attempts        INTEGER       NOT NULL DEFAULT 0,
    next_at         BIGINT        NOT NULL,
    runner          VARCHAR(32)   NOT NULL DEFAULT '',
    lease_until     BIGINT        NOT NULL DEFAULT 0,
    last_error      VARCHAR(500)  NOT NULL DEFAULT '',
    created_at      BIGINT        NOT NULL,
    sent_at         BIGINT        NOT NULL DEFAULT 0
) {{TABLE}};
CREATE UNIQUE INDEX notification_outbox_key ON notification_outbox (idem_key);
CREATE INDEX notification_outbox_due ON notification_outbox (status, next_at);
