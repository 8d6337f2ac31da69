-- The queries of release 2: bookings carry an exact amount. Release 2 still
-- writes legacy_price too, so that it can be rolled back to release 1.
INSERT INTO users (email) VALUES (lower('Bob@Example.org')) ON CONFLICT (email) DO NOTHING;

INSERT INTO bookings (fk_user, fk_offer, legacy_price, amount)
SELECT user_id, offer_id, 15, 15.00 FROM users, offers
WHERE email = 'bob@example.org' AND title = 'Jazz night';

SELECT format('release 2: bob booked Jazz night at 15.00 (amount); bookings: %s, %s EUR, '
              '%s without an amount', count(*), coalesce(sum(amount), 0),
              count(*) FILTER (WHERE amount IS NULL))
FROM bookings;
