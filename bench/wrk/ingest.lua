-- wrk script for Contrail's ingest benchmark: POST /events with flight events.
-- Environment: CONTRAIL_API_KEY (the key), BATCH (events per request, default 1), ROUTED ("1" for
-- flight.updated, routed to the persist and worker queues; "0" for a type no rule matches).
local key = os.getenv("CONTRAIL_API_KEY")
local batch = tonumber(os.getenv("BATCH") or "1")
local routed = (os.getenv("ROUTED") or "1") == "1"
local kind = routed and "flight.updated" or "flight.observed"
local counter = 0

local function event(n)
  return string.format('{"type":"%s","data":{"flightId":"LD%04d","status":"%s","gate":"G%d"}}',
    kind, n % 1000, (n % 2 == 0) and "BOARDING" or "DELAYED", n % 60)
end

request = function()
  counter = counter + 1
  local body
  if batch == 1 then
    body = event(counter)
  else
    local items = {}
    for i = 1, batch do items[i] = event(counter * batch + i) end
    body = "[" .. table.concat(items, ",") .. "]"
  end
  return wrk.format("POST", "/events", { ["Content-Type"] = "application/json", ["X-Api-Key"] = key }, body)
end

local non202 = 0
response = function(status, headers, body)
  if status ~= 202 then non202 = non202 + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format("non-202 responses: %d (socket errors: connect %d, read %d, write %d, timeout %d)\n",
    summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
