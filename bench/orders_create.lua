-- POST /api/orders: the edge, the bus to orders, one INSERT without BEGIN/COMMIT (the foreign
-- key checks that the user exists), and back: one bus round trip and one database round trip.
package.path = package.path .. ";" .. os.getenv("BENCH_DIR") .. "/?.lua"
local report = require("report")
wrk.method = "POST"
wrk.path = "/api/orders"
wrk.body = '{"product":"Bench","amount":10.50}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
done = report.done
