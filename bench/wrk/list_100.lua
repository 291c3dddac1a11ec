-- GET /v1/products?limit=100: the first page of 100, the same statement every time.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

wrk.method = "GET"
wrk.path = "/v1/products?limit=100"
