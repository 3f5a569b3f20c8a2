-- Authenticated GET /api/auth/me: the same path as users_get without the edge's profile
-- cache: the bus to the users service and one indexed PostgreSQL read every time.
package.path = package.path .. ";" .. os.getenv("BENCH_DIR") .. "/?.lua"
local report = require("report")
wrk.method = "GET"
wrk.path = "/api/auth/me"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
done = report.done
