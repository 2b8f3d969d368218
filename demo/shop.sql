-- The ecomai demo shop: a small web shop's customers, products, orders, reviews, sessions and
-- clickstream events, generated deterministically.
--
--   psql -v scale=1 -f demo/shop.sql       (scale 1: ~10k customers, 2k products,
--                                            ~100k order lines, 140k sessions, ~500k events)
--
-- Every random choice comes from shop.u(i, salt), a hash of the row number: the same scale gives
-- the same shop on any machine and under any plan (parallel or not).

\set ON_ERROR_STOP on
\if :{?scale}
\else
\set scale 1
\endif

SET client_min_messages = warning;
DROP SCHEMA IF EXISTS shop CASCADE;
CREATE SCHEMA shop;
RESET client_min_messages;

-- A uniform number in [0, 1) determined by (i, salt).
CREATE FUNCTION shop.u(i bigint, salt bigint) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN (hashint8extended(i, salt) & 9007199254740991)::float8 / 9007199254740992.0;

-- Pick from a list with cumulative weights: the first element whose weight bound exceeds r.
CREATE FUNCTION shop.pick(r float8, items text[], cum float8[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN items[(SELECT min(k) FROM generate_subscripts(cum, 1) k WHERE r < cum[k])];

CREATE TABLE shop.settings AS
SELECT :scale::int AS scale,
       10000 * :scale AS n_customers,
       2004 * :scale AS n_products,       -- a multiple of the 12 categories
       40000 * :scale AS n_orders,
       140000 * :scale AS n_sessions;

CREATE TABLE shop.categories (category_id int PRIMARY KEY, category text NOT NULL, base_price numeric NOT NULL);
INSERT INTO shop.categories VALUES
 (1,'electronics',120),(2,'books',15),(3,'fashion',45),(4,'home',60),(5,'garden',35),(6,'toys',25),
 (7,'sports',55),(8,'beauty',20),(9,'grocery',8),(10,'music',18),(11,'games',40),(12,'pets',22);

-- Customers: a favourite category each, segments, countries.
CREATE TABLE shop.customers (
    customer_id bigint PRIMARY KEY,
    signup_date date NOT NULL,
    country text NOT NULL,
    segment text NOT NULL,
    favourite_category int NOT NULL
);
INSERT INTO shop.customers
SELECT c,
       date '2023-01-01' + floor(shop.u(c, 1) * 730)::int,
       shop.pick(shop.u(c, 2), '{DE,FR,GB,NL,ES,IT,PL,SE}', '{.3,.48,.66,.75,.85,.93,.97,1}'),
       shop.pick(shop.u(c, 3), '{new,regular,vip}', '{.5,.92,1}'),
       1 + floor(shop.u(c, 4) * 12)::int
FROM generate_series(1, (SELECT n_customers FROM shop.settings)) c;

-- Products: product p is in category ((p - 1) % 12) + 1; within a category, low rank = popular.
-- The embedding is the category's centre plus noise, so that similar products are near.
CREATE TABLE shop.products (
    product_id bigint PRIMARY KEY,
    name text NOT NULL,
    category text NOT NULL,
    price numeric(10,2) NOT NULL,
    embedding float4[] NOT NULL
);
INSERT INTO shop.products
SELECT p,
       initcap(shop.pick(shop.u(p, 5), '{classic,smart,eco,deluxe,mini,pro,vintage,urban,family,travel}',
                         '{.1,.2,.3,.4,.5,.6,.7,.8,.9,1}')) || ' ' || c.category || ' ' || p,
       c.category,
       round(c.base_price * exp(shop.u(p, 6) * 1.6 - 0.8)::numeric, 2),
       (SELECT array_agg(((shop.u(c.category_id * 100 + j, 7) * 2 - 1)
                          + (shop.u(p * 32 + j, 8) - 0.5) * 0.8)::float4 ORDER BY j)
        FROM generate_series(1, 32) j)
FROM generate_series(1, (SELECT n_products FROM shop.settings)) p
JOIN shop.categories c ON c.category_id = ((p - 1) % 12) + 1;

-- Orders: customers with low ids order more often (repeat buyers); channel and device mixes.
CREATE TABLE shop.orders (
    order_id bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES shop.customers,
    ordered_at timestamptz NOT NULL,
    channel text NOT NULL,
    device text NOT NULL
);
INSERT INTO shop.orders
SELECT o,
       1 + floor((SELECT n_customers FROM shop.settings) * power(shop.u(o, 9), 1.8))::bigint,
       timestamptz '2024-01-01 00:00+00' + shop.u(o, 10) * interval '365 days',
       shop.pick(shop.u(o, 11), '{organic,paid_search,social,email,direct,affiliate}', '{.3,.55,.68,.8,.95,1}'),
       shop.pick(shop.u(o, 12), '{desktop,mobile,tablet}', '{.45,.9,1}')
FROM generate_series(1, (SELECT n_orders FROM shop.settings)) o;

-- Order lines: 1 to 3 per order; 70% from the customer's favourite category; long-tail
-- popularity within a category; a product's companion (the next product of its category)
-- is often bought with it, which is what item-item neighbourhoods should find.
CREATE TABLE shop.order_items (
    order_id bigint NOT NULL REFERENCES shop.orders,
    line_no int NOT NULL,
    customer_id bigint NOT NULL,
    product_id bigint NOT NULL REFERENCES shop.products,
    quantity int NOT NULL,
    unit_price numeric(10,2) NOT NULL,
    PRIMARY KEY (order_id, line_no)
);
WITH lines AS (
    SELECT o.order_id, l AS line_no, o.customer_id,
           CASE WHEN shop.u(o.order_id * 8 + l, 13) < 0.7 THEN cu.favourite_category
                ELSE 1 + floor(shop.u(o.order_id * 8 + l, 14) * 12)::int END AS category_id,
           floor(((SELECT n_products FROM shop.settings) / 12) * power(shop.u(o.order_id * 8 + l, 15), 3))::bigint AS rank
    FROM shop.orders o
    JOIN shop.customers cu USING (customer_id)
    CROSS JOIN LATERAL generate_series(1, 1 + floor(shop.u(o.order_id, 16) * 3)::int) l
), chosen AS (
    SELECT order_id, line_no, customer_id, category_id + 12 * rank AS product_id FROM lines
    UNION ALL
    -- the companion, for 30% of lines
    SELECT order_id, line_no + 4, customer_id,
           category_id + 12 * ((rank + 1) % ((SELECT n_products FROM shop.settings) / 12))
    FROM lines WHERE shop.u(order_id * 8 + line_no, 17) < 0.3
)
INSERT INTO shop.order_items
SELECT ch.order_id, row_number() OVER (PARTITION BY ch.order_id ORDER BY ch.line_no), ch.customer_id,
       ch.product_id, 1 + (shop.u(ch.order_id * 8 + ch.line_no, 18) < 0.15)::int, p.price
FROM chosen ch JOIN shop.products p USING (product_id);

-- Reviews: a fifth of the purchased (customer, product) pairs, rated 1..5 from the product's
-- quality, the customer's leniency and noise.
CREATE TABLE shop.reviews (
    customer_id bigint NOT NULL REFERENCES shop.customers,
    product_id bigint NOT NULL REFERENCES shop.products,
    rating int NOT NULL CHECK (rating BETWEEN 1 AND 5),
    reviewed_at timestamptz NOT NULL,
    PRIMARY KEY (customer_id, product_id)
);
INSERT INTO shop.reviews
SELECT customer_id, product_id,
       greatest(1, least(5, round(3.6 + (shop.u(product_id, 19) - 0.5) * 2.4
                                      + (shop.u(customer_id, 20) - 0.5) * 1.6
                                      + (shop.u(customer_id * 100003 + product_id, 21) - 0.5) * 1.8)))::int,
       first_at + interval '7 days'
FROM (SELECT oi.customer_id, oi.product_id, min(o.ordered_at) AS first_at
      FROM shop.order_items oi JOIN shop.orders o USING (order_id)
      GROUP BY 1, 2) bought
WHERE shop.u(customer_id * 100003 + product_id, 22) < 0.2;

-- Sessions: 40% anonymous; a hidden purchase intent depends on channel, device and segment.
CREATE TABLE shop.sessions (
    session_id bigint PRIMARY KEY,
    customer_id bigint REFERENCES shop.customers,
    started_at timestamptz NOT NULL,
    channel text NOT NULL,
    device text NOT NULL,
    converted boolean NOT NULL DEFAULT false
);
INSERT INTO shop.sessions (session_id, customer_id, started_at, channel, device)
SELECT s,
       CASE WHEN shop.u(s, 23) < 0.4 THEN NULL
            ELSE 1 + floor((SELECT n_customers FROM shop.settings) * power(shop.u(s, 24), 1.5))::bigint END,
       timestamptz '2024-01-01 00:00+00' + shop.u(s, 25) * interval '365 days',
       shop.pick(shop.u(s, 26), '{organic,paid_search,social,email,direct,affiliate}', '{.32,.54,.72,.82,.94,1}'),
       shop.pick(shop.u(s, 27), '{desktop,mobile,tablet}', '{.4,.9,1}')
FROM generate_series(1, (SELECT n_sessions FROM shop.settings)) s;

-- Page-to-page transition probabilities by intent (low, mid, high); 'exit' ends a session
-- without an event, 'purchase' ends it converted.
CREATE TABLE shop.page_transitions (intent text, from_page text, to_page text, p float8);
INSERT INTO shop.page_transitions VALUES
 ('low','home','search',.30),('low','home','category',.40),('low','home','product',.15),('low','home','exit',.15),
 ('low','search','product',.60),('low','search','search',.20),('low','search','exit',.20),
 ('low','category','product',.65),('low','category','category',.15),('low','category','exit',.20),
 ('low','product','product',.45),('low','product','cart',.06),('low','product','category',.18),('low','product','exit',.31),
 ('low','cart','checkout',.20),('low','cart','product',.40),('low','cart','exit',.40),
 ('low','checkout','purchase',.35),('low','checkout','cart',.20),('low','checkout','exit',.45),
 ('mid','home','search',.35),('mid','home','category',.40),('mid','home','product',.20),('mid','home','exit',.05),
 ('mid','search','product',.70),('mid','search','search',.15),('mid','search','exit',.15),
 ('mid','category','product',.75),('mid','category','category',.10),('mid','category','exit',.15),
 ('mid','product','product',.45),('mid','product','cart',.15),('mid','product','category',.13),('mid','product','exit',.27),
 ('mid','cart','checkout',.45),('mid','cart','product',.30),('mid','cart','exit',.25),
 ('mid','checkout','purchase',.60),('mid','checkout','cart',.15),('mid','checkout','exit',.25),
 ('high','home','search',.45),('high','home','category',.25),('high','home','product',.28),('high','home','exit',.02),
 ('high','search','product',.85),('high','search','search',.10),('high','search','exit',.05),
 ('high','category','product',.85),('high','category','category',.05),('high','category','exit',.10),
 ('high','product','product',.40),('high','product','cart',.38),('high','product','category',.07),('high','product','exit',.15),
 ('high','cart','checkout',.70),('high','cart','product',.22),('high','cart','exit',.08),
 ('high','checkout','purchase',.85),('high','checkout','cart',.07),('high','checkout','exit',.08);
CREATE TABLE shop.page_steps AS
SELECT intent, from_page, to_page,
       sum(p) OVER w - p AS lo, sum(p) OVER w AS hi
FROM shop.page_transitions
WINDOW w AS (PARTITION BY intent, from_page ORDER BY to_page);

-- Landing pages by channel.
CREATE TABLE shop.landing (channel text, page text, lo float8, hi float8);
INSERT INTO shop.landing VALUES
 ('organic','search',0,.5),('organic','product',.5,.8),('organic','home',.8,1),
 ('paid_search','product',0,.7),('paid_search','search',.7,1),
 ('social','product',0,.6),('social','home',.6,1),
 ('email','product',0,.5),('email','cart',.5,.6),('email','home',.6,1),
 ('direct','home',0,.8),('direct','search',.8,1),
 ('affiliate','product',0,.85),('affiliate','category',.85,1);

CREATE TABLE shop.events (
    event_id bigint PRIMARY KEY,
    session_id bigint NOT NULL REFERENCES shop.sessions,
    ts timestamptz NOT NULL,
    page_type text NOT NULL,
    product_id bigint REFERENCES shop.products
);
WITH RECURSIVE intents AS (
    SELECT s.session_id, s.started_at, s.channel, s.customer_id,
           CASE WHEN r < 0.05 + 0.08 * (s.channel IN ('email','direct'))::int + 0.05 * (s.device = 'desktop')::int
                          + 0.08 * (cu.segment = 'vip')::int THEN 'high'
                WHEN r < 0.30 + 0.12 * (s.device <> 'mobile')::int THEN 'mid'
                ELSE 'low' END AS intent
    FROM (SELECT *, shop.u(session_id, 28) AS r FROM shop.sessions) s
    LEFT JOIN shop.customers cu USING (customer_id)
), walk(session_id, customer_id, intent, step, page, ts) AS (
    SELECT i.session_id, i.customer_id, i.intent, 1, l.page, i.started_at
    FROM intents i JOIN shop.landing l
      ON l.channel = i.channel AND shop.u(i.session_id, 29) >= l.lo AND shop.u(i.session_id, 29) < l.hi
    UNION ALL
    SELECT w.session_id, w.customer_id, w.intent, w.step + 1, t.to_page,
           w.ts + (5 + shop.u(w.session_id * 64 + w.step, 30) * 115) * interval '1 second'
    FROM walk w JOIN shop.page_steps t
      ON t.intent = w.intent AND t.from_page = w.page
     AND shop.u(w.session_id * 64 + w.step, 31) >= t.lo AND shop.u(w.session_id * 64 + w.step, 31) < t.hi
    WHERE w.page NOT IN ('purchase', 'exit') AND w.step < 60
)
INSERT INTO shop.events
SELECT row_number() OVER (ORDER BY w.session_id, w.step), w.session_id, w.ts, w.page,
       CASE WHEN w.page IN ('product', 'cart') THEN
            (CASE WHEN w.customer_id IS NOT NULL AND shop.u(w.session_id * 64 + w.step, 32) < 0.6
                  THEN cu.favourite_category ELSE 1 + floor(shop.u(w.session_id * 64 + w.step, 33) * 12)::int END)
            + 12 * floor(((SELECT n_products FROM shop.settings) / 12) * power(shop.u(w.session_id * 64 + w.step, 34), 3))::bigint
       END
FROM walk w LEFT JOIN shop.customers cu USING (customer_id)
WHERE w.page <> 'exit';

UPDATE shop.sessions s SET converted = true
WHERE EXISTS (SELECT 1 FROM shop.events e WHERE e.session_id = s.session_id AND e.page_type = 'purchase');

CREATE INDEX ON shop.order_items (customer_id);
CREATE INDEX ON shop.order_items (product_id);
CREATE INDEX ON shop.events (session_id, ts);
CREATE INDEX ON shop.sessions (customer_id, started_at);
CREATE INDEX ON shop.reviews (product_id);
ANALYZE;

-- What was made.
SELECT (SELECT count(*) FROM shop.customers) AS customers,
       (SELECT count(*) FROM shop.products) AS products,
       (SELECT count(*) FROM shop.orders) AS orders,
       (SELECT count(*) FROM shop.order_items) AS order_lines,
       (SELECT count(*) FROM shop.reviews) AS reviews,
       (SELECT count(*) FROM shop.sessions) AS sessions,
       (SELECT count(*) FROM shop.events) AS events,
       (SELECT round(avg(converted::int), 4) FROM shop.sessions) AS conversion_rate;
