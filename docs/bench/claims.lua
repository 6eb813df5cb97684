-- wrk script for claims-wrk.sh: property reports, each a distinct loss
-- (certificate × incident day × cause), so every one runs all the checks
-- and is stored. ZNB_KEY is an insurer clerk's API key, ZNB_CERTS how many
-- certificates the agreement issued (numbered ZNB5226252026001-000001 on).
local key = os.getenv("ZNB_KEY")
local n = tonumber(os.getenv("ZNB_CERTS"))
local causes = {"火灾", "爆炸", "地震", "自然灾害"}
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
local k = 0
function request()
  local round = math.floor(k / n)
  -- each thread has two causes of its own, so threads never collide
  local cause = causes[tid * 2 + (round % 2) + 1]
  local day = os.time({year = 2026, month = 1, day = 1, hour = 12}) + (math.floor(round / 2) % 330) * 86400
  local body = string.format('{"certificate_no":"ZNB5226252026001-%06d","line":"property","incident_date":"%s","cause":"%s","description":"房屋受损"}',
    (k % n) + 1, os.date("%Y-%m-%d", day), cause)
  k = k + 1
  return wrk.format("POST", "/api/v1/claims", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key}, body)
end
