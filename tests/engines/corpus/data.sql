-- The hand-made corpus dataset (DuckDB SQL). Every expected value in test_corpus.py is
-- worked out by hand from these rows: a leap day, a week across New Year, a month with no
-- rows, NULLs, zero denominators, Unicode values and reserved-word column names.
CREATE SCHEMA corpus;

CREATE TABLE corpus.events (
  id BIGINT, user_id BIGINT, "at" TIMESTAMP, amount DECIMAL(10,2), kind VARCHAR,
  "order" INTEGER, "select" VARCHAR, country VARCHAR, flag BOOLEAN
);
INSERT INTO corpus.events VALUES
  (1, 1, '2024-01-15 10:00:00', 10.00, 'a', 1, 'x', 'DE', true),
  (2, 2, '2024-01-20 12:00:00', 20.00, 'b', 2, 'y', '中国', false),
  (3, 1, '2024-01-31 23:59:59', NULL, 'a', 3, 'x', 'DE', NULL),
  (4, 3, '2024-02-29 08:00:00', 30.00, 'b', 4, 'y', 'Österreich', false),
  (5, 3, '2024-02-29 20:00:00', 50.00, 'b', 5, NULL, 'Österreich', true),
  (6, 2, '2024-04-01 00:00:00', 40.00, 'a', 6, 'x', '中国', false),
  (7, 4, '2024-12-31 22:00:00', 15.00, 'a', 7, 'x', 'DE', false),
  (8, 4, '2025-01-02 09:00:00', 25.00, 'b', 8, 'y', 'DE', true),
  (9, 5, '2025-01-05 23:00:00', 35.00, 'a', 9, 'x', 'Österreich', false),
  (10, 5, '2025-01-06 00:00:00', 45.00, 'a', 10, 'x', 'Österreich', true);

CREATE TABLE corpus.visits (visit_id BIGINT, user_id BIGINT, "at" TIMESTAMP, checkout BOOLEAN);
INSERT INTO corpus.visits VALUES
  (1, 1, '2024-01-15 09:00:00', true),
  (2, 1, '2024-01-16 09:00:00', true),
  (3, 2, '2024-01-20 11:00:00', true),
  (4, 3, '2024-01-25 10:00:00', false),
  (5, 7, '2024-01-31 20:00:00', true),
  (6, 3, '2024-02-28 10:00:00', true),
  (7, 4, '2024-02-10 10:00:00', true),
  (8, NULL, '2024-02-11 10:00:00', true),
  (9, 6, '2024-02-12 10:00:00', true);

CREATE TABLE corpus.buys (buy_id BIGINT, user_id BIGINT, "at" TIMESTAMP);
INSERT INTO corpus.buys VALUES
  (1, 1, '2024-01-15 09:30:00'),
  (2, 2, '2024-01-22 12:00:00'),
  (3, 7, '2024-02-01 08:00:00'),
  (4, 3, '2024-02-29 09:00:00'),
  (5, 4, '2024-02-09 10:00:00');

CREATE TABLE corpus.nothing (id BIGINT, "at" TIMESTAMP, v INTEGER);

-- Dimension sources (joined through entities): users is type 2 (user 3 changes tier and team
-- at 2024-02-29 12:00, between events 4 and 5; user 4's only version starts after its visit
-- of 2024-02-10; user 5 has no row), teams is reached through users, kinds lacks 'b'.
CREATE TABLE corpus.users (
  user_id BIGINT, team_id BIGINT, tier VARCHAR, valid_from TIMESTAMP, valid_to TIMESTAMP
);
INSERT INTO corpus.users VALUES
  (1, 10, 'free', '2024-01-01 00:00:00', '2024-02-01 00:00:00'),
  (1, 10, 'pro', '2024-02-01 00:00:00', NULL),
  (2, 20, 'free', '2024-01-01 00:00:00', NULL),
  (3, 10, 'pro', '2024-01-01 00:00:00', '2024-02-29 12:00:00'),
  (3, 20, 'max', '2024-02-29 12:00:00', NULL),
  (4, NULL, 'free', '2024-06-01 00:00:00', NULL);

CREATE TABLE corpus.teams (team_id BIGINT, region VARCHAR);
INSERT INTO corpus.teams VALUES (10, 'EU'), (20, 'US');

CREATE TABLE corpus.kinds (kind VARCHAR, label VARCHAR);
INSERT INTO corpus.kinds VALUES ('a', 'Alpha');
