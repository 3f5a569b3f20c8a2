-- GET /health: the edge alone (no bus round trip; the service map is cached for a second).
package.path = package.path .. ";" .. os.getenv("BENCH_DIR") .. "/?.lua"
local report = require("report")
wrk.method = "GET"
wrk.path = "/health"
done = report.done
