-- GET /api/orders/:id: the edge, the bus to orders, one indexed read.
package.path = package.path .. ";" .. os.getenv("BENCH_DIR") .. "/?.lua"
local report = require("report")
wrk.method = "GET"
wrk.path = "/api/orders/" .. os.getenv("BENCH_ORDER_ID")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
done = report.done
