-- PUT /v1/products/{name} {"quantity": n}: replace the quantity of a hot-set product (an upsert
-- that always finds the row, so every answer is 200).
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

function init(args) common.init_thread() end

function request()
  local body = string.format('{"quantity":%d}', math.random(0, 1000000))
  return wrk.format("PUT", "/v1/products/" .. common.hot_name(), common.json_headers, body)
end
