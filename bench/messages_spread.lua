-- POST /api/messages to many inboxes: the bench user writes to a receiver drawn at random
-- from BENCH_PEER_IDS (BENCH_PEERS users, prepared by run.sh), so commits contend for no
-- receiver's advisory lock and only the disk flush and the CPU limit them. messages_send
-- is the opposite case (one hot inbox: one commit, one flush at a time).
package.path = package.path .. ";" .. os.getenv("BENCH_DIR") .. "/?.lua"
local report = require("report")
local peers = {}
for id in string.gmatch(os.getenv("BENCH_PEER_IDS") or "", "%d+") do
  peers[#peers + 1] = id
end
local headers = {
  ["Content-Type"] = "application/json",
  ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN"),
}

function request()
  local to = peers[math.random(#peers)]
  return wrk.format("POST", "/api/messages", headers,
    '{"receiver_type":"user","receiver_id":' .. to .. ',"text":"bench message"}')
end

done = report.done
