-- revision: dbb38f85ea88
-- down_revision: ebb4d23eaaa5
-- message: create offers and bookings
-- created: 2026-09-02T10:30:00Z
-- transaction: per-migration

-- ecluse:upgrade
-- Safe in pre: new tables only; their foreign keys point at tables no running code uses yet.
CREATE TABLE offers (
    offer_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fk_venue bigint NOT NULL REFERENCES venues (venue_id),
    title text NOT NULL,
    starts_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A plain CREATE INDEX is fine here: the table was created just above and is empty.
CREATE INDEX offers_fk_venue_idx ON offers (fk_venue);

-- legacy_price is the price in euros as the legacy ticketing system exported
-- it, a floating-point number; release 2 replaces it with an exact amount.
CREATE TABLE bookings (
    booking_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fk_user bigint NOT NULL REFERENCES users (user_id),
    fk_offer bigint NOT NULL REFERENCES offers (offer_id),
    legacy_price double precision NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- ecluse:downgrade
DROP TABLE bookings;
DROP TABLE offers;
