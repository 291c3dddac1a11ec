-- GET /v1/products?limit=100: the first page, as the service sends it.
\set lim 100
SELECT "products"."name", "products"."quantity", "products"."version", "products"."created_at", "products"."updated_at" FROM "products" ORDER BY "products"."name" ASC LIMIT :lim;
