-- POST /v1/products then DELETE of what was created. Each thread keeps the Locations of the
-- creates that have been answered 201 and deletes one of them before creating again, so a DELETE
-- never races its own POST and every create is undone. Requests: about half POST, half DELETE.
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local created = {}   -- a stack of Location paths answered 201 and not yet deleted
local serial = 0
local run_id = os.getenv("WRK_RUN_ID") or tostring(os.time())
status_counts = {}

function init(args) common.init_thread() end

function request()
  local location = table.remove(created)
  if location then
    return wrk.format("DELETE", location)
  end
  serial = serial + 1
  local body = string.format('{"name":"cd-%s-%d-%d","quantity":1}', run_id, thread_id or 0, serial)
  return wrk.format("POST", "/v1/products", common.json_headers, body)
end

function response(status, headers, body)
  status_counts[status] = (status_counts[status] or 0) + 1
  if status == 201 then
    local location = headers["location"] or headers["Location"]
    if location then table.insert(created, location) end
  end
end
