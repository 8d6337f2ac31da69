-- The queries of release 3: offers have a category, and legacy_price is
-- gone from the code: bookings carry their amount only.
INSERT INTO categories (name) VALUES ('concert') ON CONFLICT (name) DO NOTHING;

INSERT INTO offers (fk_venue, title, starts_at, fk_category)
SELECT venue_id, 'Piano recital', '2026-12-12 19:00+01', category_id FROM venues, categories
WHERE venues.name = 'Le Petit Bain' AND categories.name = 'concert'
  AND NOT EXISTS (SELECT FROM offers WHERE title = 'Piano recital');

INSERT INTO users (email) VALUES (lower('Chloe@Example.org')) ON CONFLICT (email) DO NOTHING;

INSERT INTO bookings (fk_user, fk_offer, amount)
SELECT user_id, offer_id, 20.00 FROM users, offers
WHERE email = 'chloe@example.org' AND title = 'Piano recital';

SELECT format('release 3: chloe booked Piano recital (concert) at 20.00; bookings: %s, %s EUR',
              count(*), sum(amount))
FROM bookings;
