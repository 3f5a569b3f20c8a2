-- POST /api/orders: the edge, the bus to orders, orders asks users over the bus that the
-- user exists, one INSERT, and back: two bus round trips and a write.
package.path = package.path .. ";" .. os.getenv("BENCH_DIR") .. "/?.lua"
local report = require("report")
wrk.method = "POST"
wrk.path = "/api/orders"
wrk.body = '{"product":"Bench","amount":10.50}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
done = report.done
