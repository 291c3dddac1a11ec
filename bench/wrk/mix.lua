-- 80/20 read/write: 80 % GET by name, 10 % PUT, 10 % adjustment +1, all on the hot set.
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

function init(args) common.init_thread() end

function request()
  local r = math.random(1, 100)
  if r <= 80 then
    return common.hot_read()
  end
  local name = common.hot_name()
  if r <= 90 then
    local body = string.format('{"quantity":%d}', math.random(0, 1000000))
    return wrk.format("PUT", "/v1/products/" .. name, common.json_headers, body)
  else
    return wrk.format("POST", "/v1/products/" .. name .. "/adjustments", common.json_headers,
      '{"delta":1}')
  end
end
