-- wrk script: send the requests of a file in turn, one per line:
-- METHOD <tab> PATH <tab> AUTHORIZATION <tab> IDEMPOTENCY-KEY or "-" <tab> JSON BODY or "-"
-- Each line is used once while lines remain (writes that may happen only once, such as
-- approving an hour, each get their own line); then the list starts again.
local requests = {}
local next_index = 1

function init(args)
  for line in io.lines(args[1]) do
    local method, path, auth, key, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = { ["Authorization"] = auth }
    if key ~= "-" then headers["Idempotency-Key"] = key end
    if body == "-" then body = nil else headers["Content-Type"] = "application/json" end
    requests[#requests + 1] = wrk.format(method, path, headers, body)
  end
end

function request()
  local r = requests[next_index]
  next_index = next_index % #requests + 1
  return r
end
