-- The queries of release 1, the launch: sign a user up, publish an offer,
-- book it. A booking's price is legacy_price, the floating-point number of
-- the old ticketing system.
INSERT INTO users (email) VALUES (lower('Alice@Example.org')) ON CONFLICT (email) DO NOTHING;

INSERT INTO venues (name, city)
SELECT 'Le Petit Bain', 'Paris'
WHERE NOT EXISTS (SELECT FROM venues WHERE name = 'Le Petit Bain');

INSERT INTO offers (fk_venue, title, starts_at)
SELECT venue_id, 'Jazz night', '2026-12-05 20:00+01' FROM venues
WHERE name = 'Le Petit Bain' AND NOT EXISTS (SELECT FROM offers WHERE title = 'Jazz night');

INSERT INTO bookings (fk_user, fk_offer, legacy_price)
SELECT user_id, offer_id, 12.5 FROM users, offers
WHERE email = 'alice@example.org' AND title = 'Jazz night';

SELECT format('release 1: alice booked Jazz night at 12.5 (legacy_price); bookings: %s', count(*))
FROM bookings;
