-- demo users
-- ecluse:upgrade
INSERT INTO users (name) VALUES ('ada');

-- ecluse:downgrade
DELETE FROM users WHERE name = 'ada';
