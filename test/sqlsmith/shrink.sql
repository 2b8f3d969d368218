-- Shrinks the demo shop (loaded at scale 1 by demo/shop.sql) to a few thousand rows, for
-- tools/sqlsmith.sh: sqlsmith runs every query under a 1 s statement_timeout and joins tables
-- at random, so small tables keep most queries finishing (and reaching the functions they call)
-- instead of timing out.  The keys kept are the lowest ones, so the shop stays consistent.
\set ON_ERROR_STOP on
DELETE FROM shop.events WHERE session_id > 600;
DELETE FROM shop.sessions WHERE session_id > 600;
UPDATE shop.sessions SET customer_id = NULL WHERE customer_id > 400;
DELETE FROM shop.order_items WHERE order_id > 1500 OR customer_id > 400;
DELETE FROM shop.orders o WHERE order_id > 1500 OR customer_id > 400;
DELETE FROM shop.reviews WHERE customer_id > 400;
DELETE FROM shop.customers WHERE customer_id > 400;
DELETE FROM shop.events WHERE product_id > 360;
DELETE FROM shop.order_items WHERE product_id > 360;
DELETE FROM shop.reviews WHERE product_id > 360;
DELETE FROM shop.products WHERE product_id > 360;
VACUUM ANALYZE;
SELECT (SELECT count(*) FROM shop.customers) AS customers, (SELECT count(*) FROM shop.products) AS products,
       (SELECT count(*) FROM shop.orders) AS orders, (SELECT count(*) FROM shop.order_items) AS order_lines,
       (SELECT count(*) FROM shop.reviews) AS reviews, (SELECT count(*) FROM shop.sessions) AS sessions,
       (SELECT count(*) FROM shop.events) AS events;
