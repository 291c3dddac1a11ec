-- POST /v1/products/hot-0/adjustments {"delta":1} from every client: one conditional UPDATE.
\set i 0
\set delta 1
\set one 1
\set zero 0
\set max 2147483647
UPDATE "products" SET "quantity" = "quantity" + :delta, "version" = "version" + :one, "updated_at" = now() WHERE "products"."name" = 'hot-' || :i AND ("quantity" + :delta BETWEEN :zero AND :max) RETURNING "name", "quantity", "version", "created_at", "updated_at";
