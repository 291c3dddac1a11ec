-- GET /v1/products/{name}: one product by name, uniformly from the hot set of 1,000.
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

function init(args) common.init_thread() end

request = common.hot_read
