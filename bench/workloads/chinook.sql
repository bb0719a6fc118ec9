-- Chinook 1.4.5 (github.com/lerocha/chinook-database): a music store's application workload.
-- Format: see pagila.sql.

-- query: artist_albums
-- calls: 40
-- params: SELECT artist_id FROM artist ORDER BY artist_id * 37 % 275 LIMIT 40
SELECT album_id, title FROM album WHERE artist_id = $1 ORDER BY title;

-- query: album_tracks
-- calls: 40
-- params: SELECT album_id FROM album ORDER BY album_id * 41 % 347 LIMIT 40
SELECT track_id, name, milliseconds, unit_price FROM track WHERE album_id = $1 ORDER BY track_id;

-- query: track_name_prefix
-- calls: 30
-- params: SELECT DISTINCT substr(name, 1, 3) || '%' FROM track ORDER BY 1 LIMIT 30
SELECT track_id, name FROM track WHERE name LIKE $1 ORDER BY name LIMIT 20;

-- query: artist_search
-- calls: 30
-- params: SELECT '%' || lower(substr(name, 2, 4)) || '%' FROM artist ORDER BY artist_id * 7 % 275 LIMIT 30
SELECT artist_id, name FROM artist WHERE name ILIKE $1 ORDER BY name LIMIT 20;

-- query: customer_invoices
-- calls: 40
-- params: SELECT customer_id FROM customer ORDER BY customer_id * 13 % 59 LIMIT 40
SELECT invoice_id, invoice_date, total FROM invoice WHERE customer_id = $1 ORDER BY invoice_date DESC LIMIT 10;

-- query: invoice_lines
-- calls: 40
-- params: SELECT invoice_id FROM invoice ORDER BY invoice_id * 101 % 412 LIMIT 40
SELECT il.track_id, t.name, il.unit_price, il.quantity FROM invoice_line il JOIN track t ON t.track_id = il.track_id
WHERE il.invoice_id = $1;

-- query: invoices_of_month
-- calls: 30
-- params: SELECT d, d + interval '1 month' FROM generate_series((SELECT date_trunc('month', min(invoice_date)) FROM invoice), (SELECT max(invoice_date) FROM invoice), interval '2 months') d
SELECT invoice_id, customer_id, total FROM invoice WHERE invoice_date >= $1 AND invoice_date < $2 ORDER BY invoice_date;

-- query: sales_by_country
-- calls: 20
-- params: SELECT d, d + interval '3 months' FROM generate_series((SELECT date_trunc('month', min(invoice_date)) FROM invoice), (SELECT max(invoice_date) FROM invoice), interval '3 months') d
SELECT billing_country, sum(total) AS sales FROM invoice WHERE invoice_date >= $1 AND invoice_date < $2
GROUP BY billing_country ORDER BY sales DESC;

-- query: top_tracks_of_genre
-- calls: 25
-- params: SELECT genre_id FROM genre ORDER BY genre_id
SELECT t.track_id, t.name, sum(il.quantity) AS sold FROM invoice_line il JOIN track t ON t.track_id = il.track_id
WHERE t.genre_id = $1 GROUP BY t.track_id, t.name ORDER BY sold DESC, t.track_id LIMIT 10;

-- query: playlist_tracks
-- calls: 36
-- params: SELECT playlist_id FROM playlist ORDER BY playlist_id
SELECT t.track_id, t.name FROM playlist_track pt JOIN track t ON t.track_id = pt.track_id
WHERE pt.playlist_id = $1 ORDER BY t.name LIMIT 50;

-- query: customer_by_email
-- calls: 30
-- params: SELECT email FROM customer ORDER BY customer_id * 7 % 59 LIMIT 30
SELECT customer_id, first_name, last_name FROM customer WHERE email = $1;

-- query: rep_customers
-- calls: 20
-- params: SELECT employee_id FROM employee ORDER BY employee_id
SELECT customer_id, first_name, last_name FROM customer WHERE support_rep_id = $1 ORDER BY last_name;

-- query: composer_search
-- calls: 30
-- params: SELECT DISTINCT '%' || lower(substr(composer, 1, 5)) || '%' FROM track WHERE composer IS NOT NULL ORDER BY 1 LIMIT 30
SELECT track_id, name, composer FROM track WHERE composer ILIKE $1 ORDER BY name LIMIT 20;

-- query: longest_tracks_of_genre
-- calls: 25
-- params: SELECT genre_id FROM genre ORDER BY genre_id
SELECT track_id, name, milliseconds FROM track WHERE genre_id = $1 ORDER BY milliseconds DESC LIMIT 10;

-- query: customer_spend_of_country
-- calls: 24
-- params: SELECT DISTINCT country FROM customer ORDER BY country
SELECT c.customer_id, c.last_name, sum(i.total) AS spent FROM customer c JOIN invoice i ON i.customer_id = c.customer_id
WHERE c.country = $1 GROUP BY c.customer_id, c.last_name ORDER BY spent DESC;
