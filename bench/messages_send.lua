-- POST /api/messages: a direct message from the bench user to a second user (BENCH_PEER_ID,
-- prepared by run.sh). The edge, the bus to messages, one statement that is its own
-- transaction (receiver row lock, message row, notification row under the receiver's
-- advisory lock; one database round trip), then the new_message event is published (no notify replica subscribes: the peer holds no socket).
-- Every request goes to the same receiver, so the advisory lock serialises the commits:
-- this is the worst case of one busy inbox, not the average of many.
package.path = package.path .. ";" .. os.getenv("BENCH_DIR") .. "/?.lua"
local report = require("report")
wrk.method = "POST"
wrk.path = "/api/messages"
wrk.body = '{"receiver_type":"user","receiver_id":' .. os.getenv("BENCH_PEER_ID")
  .. ',"text":"bench message"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
done = report.done
