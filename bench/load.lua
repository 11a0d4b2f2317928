-- wrk driver for the dynaguard benchmark: every request is a legitimate owner request.
-- Usage: wrk -t T -c C -d D -s bench/load.lua URL -- OPERATION FIXTURE
--   OPERATION: read | update | create | idem_create | list | profile_read | shared_read
--              | shared_update | org_list | team_read | team_update
--   FIXTURE: one user per line, "<bearer token> <item id> <item id> ..." (items that user owns;
--   for the shared operations "<owner id>/<item id>" of items shared with that user as editor,
--   for the team operations of items shared as editor with a team that user is in)
-- Each thread takes every T-th user; each request picks one of them and one of their items.
-- done() prints one line "BENCH_JSON {...}" with the latency distribution in microseconds.

local slot_counter = 0

function setup(thread)
  thread:set("slot", slot_counter)
  slot_counter = slot_counter + 1
end

local operation
local users = {}
local counter = 0

function init(args)
  operation = args[1]
  local slots = tonumber(slot) or 0
  local threads = tonumber(args[3]) or 1
  local index = 0
  for line in io.lines(args[2]) do
    if index % threads == slots then
      local words = {}
      for word in line:gmatch("%S+") do
        words[#words + 1] = word
      end
      local items = {}
      for i = 2, #words do
        items[#items + 1] = words[i]
      end
      users[#users + 1] = {
        headers = {
          ["Authorization"] = "Bearer " .. words[1],
          ["Content-Type"] = "application/json",
        },
        items = items,
      }
    end
    index = index + 1
  end
  math.randomseed(os.time() + slots * 7919)
end

function request()
  local user = users[math.random(#users)]
  counter = counter + 1
  if operation == "read" then
    local item = user.items[math.random(#user.items)]
    return wrk.format("GET", "/org/items/" .. item, user.headers)
  elseif operation == "update" then
    local item = user.items[math.random(#user.items)]
    local body = '{"name":"renamed ' .. counter .. '"}'
    return wrk.format("PATCH", "/org/items/" .. item, user.headers, body)
  elseif operation == "create" then
    local body = '{"name":"bench item ' .. counter .. '","data":{"n":' .. counter
      .. ',"tags":["bench","load"],"note":"created under load"}}'
    return wrk.format("POST", "/org/items", user.headers, body)
  elseif operation == "idem_create" then
    -- a new key each request: what a client retrying safely pays on every create
    local headers = {}
    for name, value in pairs(user.headers) do
      headers[name] = value
    end
    headers["Idempotency-Key"] = string.format("bench-%d-%d-%d", slot or 0, counter,
      math.random(1000000000))
    local body = '{"name":"bench item ' .. counter .. '","data":{"n":' .. counter
      .. ',"tags":["bench","load"],"note":"created under load"}}'
    return wrk.format("POST", "/org/items", headers, body)
  elseif operation == "profile_read" then
    return wrk.format("GET", "/profiles/me", user.headers)
  elseif operation == "org_list" then
    return wrk.format("GET", "/shared/org-items?limit=20", user.headers)
  elseif operation == "shared_read" or operation == "team_read" then
    local item = user.items[math.random(#user.items)]
    return wrk.format("GET", "/shared/items/" .. item, user.headers)
  elseif operation == "shared_update" or operation == "team_update" then
    local item = user.items[math.random(#user.items)]
    local body = '{"name":"renamed ' .. counter .. '"}'
    return wrk.format("PATCH", "/shared/items/" .. item, user.headers, body)
  else
    return wrk.format("GET", "/org/items?limit=20", user.headers)
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,'
      .. '"mean_us":%.1f,"max_us":%d,"status_errors":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, latency.max, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
