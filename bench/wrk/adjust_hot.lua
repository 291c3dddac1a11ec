-- POST /v1/products/hot-0/adjustments {"delta":1} from every connection: all writers contend
-- for one row (PostgreSQL row lock / SQLite's single writer).
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

wrk.method = "POST"
wrk.path = "/v1/products/hot-0/adjustments"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"delta":1}'
