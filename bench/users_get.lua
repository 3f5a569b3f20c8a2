-- Authenticated GET /api/users/:id: JWT check and revocation lookup at the edge, the bus
-- to the users service, one indexed PostgreSQL read, and back.
package.path = package.path .. ";" .. os.getenv("BENCH_DIR") .. "/?.lua"
local report = require("report")
wrk.method = "GET"
wrk.path = "/api/users/" .. os.getenv("BENCH_USER_ID")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
done = report.done
